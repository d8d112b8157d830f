/**
 * The fault tests' verdict (compareWithReference) must be able to fail: a missing, an extra
 * and a different sample are each found, per output name, and a filter narrows what counts.
 */
import { compareWithReference, comparisonClean } from '../support/fault-checks';
import { FaultLoad, type OutputName } from '../support/fault-load';

type Samples = Map<string, Map<OutputName, Array<[number, number]>>>;

function samples(entries: Record<string, Partial<Record<OutputName, Array<[number, number]>>>>): Samples {
  return new Map(
    Object.entries(entries).map(([id, perName]) => [
      id,
      new Map(Object.entries(perName) as Array<[OutputName, Array<[number, number]>]>),
    ])
  );
}

const reference = samples({
  'h1/cpu': {
    anomalylens_score: [
      [1000, 0.5],
      [2000, 1.25],
    ],
    anomalylens_expected: [[2000, 40]],
  },
  'h2/cpu': { anomalylens_score: [[1000, 0.1]] },
});

describe('compareWithReference', () => {
  it('is clean when Prometheus holds exactly the reference', () => {
    const c = compareWithReference(reference, reference);
    expect(comparisonClean(c)).toBe(true);
    expect(c.examples).toEqual([]);
  });

  it('counts missing, extra and different samples per output name, with examples', () => {
    const stored = samples({
      'h1/cpu': {
        anomalylens_score: [
          [1000, 0.5],
          [2000, 1.2500000000000002], // one ulp off: identical means identical
          [3000, 9],
        ],
      },
    });
    const c = compareWithReference(reference, stored);
    expect(comparisonClean(c)).toBe(false);
    expect(c.missing.anomalylens_expected).toBe(1);
    expect(c.missing.anomalylens_score).toBe(1); // h2 entirely
    expect(c.differing.anomalylens_score).toBe(1);
    expect(c.extra.anomalylens_score).toBe(1);
    expect(c.examples).toEqual(
      expect.arrayContaining([
        'anomalylens_score{h1/cpu} @2000: 1.2500000000000002 != reference 1.25',
        'anomalylens_score{h1/cpu} @3000: unexpected sample 9',
        'anomalylens_expected{h1/cpu} @2000: missing (want 40)',
      ])
    );
  });

  it('compares only the chosen series from the chosen time on', () => {
    const stored = samples({
      'h1/cpu': { anomalylens_score: [[2000, 1.25]], anomalylens_expected: [[2000, 40]] },
    });
    expect(
      comparisonClean(compareWithReference(reference, stored, { only: new Set(['h1/cpu']), fromMs: 1500 }))
    ).toBe(true);
    expect(comparisonClean(compareWithReference(reference, stored, { only: new Set(['h1/cpu']) }))).toBe(
      false
    );
  });

  it('names series the way the Prometheus results are keyed', () => {
    expect(FaultLoad.seriesId('host-01', 'cpu_utilization')).toBe('host-01/cpu_utilization');
  });
});
