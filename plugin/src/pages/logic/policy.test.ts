import { PolicyAnswers, policyStatus, shortHash } from './policy';

const T = 1_764_900_000;
const sample = (v: number, labels: Record<string, string> = {}) => ({ labels, t: T * 1000, v });
const answers = (patch: Partial<PolicyAnswers>): PolicyAnswers => ({
  info: [],
  rules: [],
  lastReload: [],
  lastReloadSuccess: [],
  reloads: [],
  detector: [sample(42)],
  ...patch,
});

describe('policyStatus', () => {
  it('reads the active policy: hash, rules and the last reload', () => {
    const status = policyStatus(
      answers({
        info: [sample(1, { hash: 'sha256:9f86d081884c7d65' })],
        rules: [sample(7)],
        lastReload: [sample(T - 60)],
        lastReloadSuccess: [sample(1)],
        reloads: [sample(3, { result: 'success' }), sample(1, { result: 'failure' })],
      })
    );
    expect(status).toEqual({
      state: 'active',
      hashes: ['sha256:9f86d081884c7d65'],
      rules: 7,
      lastReload: { atMs: (T - 60) * 1000, ok: true },
      reloads: { success: 3, failure: 1 },
    });
  });

  it('reports a failed last reload and replicas that disagree on the policy', () => {
    const status = policyStatus(
      answers({
        info: [sample(1, { hash: 'b2' }), sample(1, { hash: 'a1' })],
        lastReload: [sample(T)],
        lastReloadSuccess: [sample(0)],
      })
    );
    expect(status).toMatchObject({ state: 'active', hashes: ['a1', 'b2'], rules: null });
    expect(status.state === 'active' && status.lastReload).toEqual({ atMs: T * 1000, ok: false });
  });

  it('says there is no policy file when the scraped detector exports no policy info', () => {
    expect(policyStatus(answers({}))).toEqual({
      state: 'none',
      lastReload: null,
      reloads: { success: 0, failure: 0 },
    });
    // An info series with an empty hash or a 0 value is no active policy either.
    expect(policyStatus(answers({ info: [sample(1, { hash: '' }), sample(0, { hash: 'x' })] })).state).toBe('none');
    // A policy file that was removed, or never parsed: the failure still shows.
    const failed = policyStatus(answers({ lastReload: [sample(T)], lastReloadSuccess: [sample(0)] }));
    expect(failed).toMatchObject({ state: 'none', lastReload: { atMs: T * 1000, ok: false } });
  });

  it('cannot tell without any detector self-metrics', () => {
    expect(policyStatus(answers({ detector: [] }))).toEqual({ state: 'unknown' });
    expect(policyStatus(answers({ detector: [sample(0)], info: [sample(1, { hash: 'a' })] }))).toEqual({
      state: 'unknown',
    });
  });

  it('treats a zero reload timestamp as never reloaded', () => {
    const status = policyStatus(answers({ info: [sample(1, { hash: 'a' })], lastReload: [sample(0)] }));
    expect(status.state === 'active' && status.lastReload).toEqual({ atMs: null, ok: null });
  });
});

describe('shortHash', () => {
  it('keeps 12 characters of a long hash', () => {
    expect(shortHash('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toBe('9f86d081884c');
    expect(shortHash('abc')).toBe('abc');
  });
});
