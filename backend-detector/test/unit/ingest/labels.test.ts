import { sanitizeLabelName } from '../../../src/ingest/labels';

describe('sanitizeLabelName', () => {
  it.each([
    ['host', 'host'],
    ['_private', '_private'],
    ['Zone_9', 'Zone_9'],
    ['__meta', 'label__meta'],
    ['_', '_'],
    ['metric', 'exported_metric'],
    ['__name__', 'label__name__'],
    ['9lives', '_9lives'],
    ['a-b.c', 'a_b_c'],
    ['', '_'],
    ['hôst', 'h_st'],
    ['-_x', 'label__x'],
  ])('%j becomes %j', (name, expected) => {
    expect(sanitizeLabelName(name)).toBe(expected);
  });
});
