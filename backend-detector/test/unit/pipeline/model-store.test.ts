import { restoreGroupId } from '../../../src/pipeline/model-store';

describe('restoreGroupId', () => {
  it('names a fresh group for every restore, even within one millisecond of one process', () => {
    const ids = Array.from({ length: 1000 }, () => restoreGroupId('anomaly-lens'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(new RegExp(`^anomaly-lens\\.restore\\.${process.pid}\\.[0-9a-z]+\\.[0-9a-f]{12}$`));
  });
});
