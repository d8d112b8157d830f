import { createSeriesDetector } from '../../../src/model/detector';
import { DEFAULT_OUTPUT_POLICY, type OutputPolicy } from '../../../src/model/output-policy';
import { generateSeries, type Excursion } from '../../support/policy-series';

/** Dips and spikes of several sizes, far enough apart for the holdoff to have passed. */
const EXCURSIONS: Excursion[] = [];
for (let k = 0; k < 16; k++) {
  const size = [6, 10, 40, 80][k % 4]!;
  EXCURSIONS.push({ at: 1200 + k * 300, delta: k % 8 < 4 ? size : -size, length: 2 });
}
const SERIES = generateSeries(1200 + 16 * 300, EXCURSIONS);

function run(policy: OutputPolicy) {
  const d = createSeriesDetector();
  return SERIES.map((p) => d.update(p.ts, p.value, policy));
}

const flagged = (outs: ReturnType<typeof run>) => outs.flatMap((o, i) => (o.isAnomaly ? [i] : []));

describe('output policy on the detector', () => {
  const both = run(DEFAULT_OUTPUT_POLICY);
  const dipRows = EXCURSIONS.filter((e) => e.delta < 0).flatMap((e) => [e.at, e.at + 1]);
  const spikeRows = EXCURSIONS.filter((e) => e.delta > 0).flatMap((e) => [e.at, e.at + 1]);

  it('direction up never flags a dip that both flags, and keeps the spikes', () => {
    const up = run({ ...DEFAULT_OUTPUT_POLICY, direction: 'up' });
    const bothDips = flagged(both).filter((i) => dipRows.includes(i));
    expect(bothDips.length).toBeGreaterThanOrEqual(4); // the default does flag dips
    expect(flagged(up).filter((i) => dipRows.includes(i))).toEqual([]);
    // Every point `up` flags lies above its expected value.
    for (const i of flagged(up))
      if (up[i]!.event?.kind === 'open') expect(up[i]!.value).toBeGreaterThan(up[i]!.expected);
    const spikesFound = (outs: ReturnType<typeof run>) =>
      EXCURSIONS.filter((e) => e.delta > 0 && (outs[e.at]!.isAnomaly || outs[e.at + 1]!.isAnomaly)).length;
    expect(spikesFound(up)).toBeGreaterThanOrEqual(spikesFound(both));
    expect(spikeRows.length).toBeGreaterThan(0);
  });

  it('direction down is the mirror image', () => {
    const down = run({ ...DEFAULT_OUTPUT_POLICY, direction: 'down' });
    expect(flagged(down).filter((i) => spikeRows.includes(i))).toEqual([]);
  });

  it('deviation floors suppress small excursions and keep large ones', () => {
    const small = (e: Excursion) => Math.abs(e.delta) <= 10;
    const found = (outs: ReturnType<typeof run>, which: (e: Excursion) => boolean) =>
      EXCURSIONS.filter((e) => which(e) && (outs[e.at]!.isAnomaly || outs[e.at + 1]!.isAnomaly)).length;
    expect(found(both, small)).toBeGreaterThan(0); // the default flags some small ones
    const absolute = run({ ...DEFAULT_OUTPUT_POLICY, minDeviation: 20 });
    const relative = run({ ...DEFAULT_OUTPUT_POLICY, minRelativeDeviation: 0.2 }); // level ≈ 100
    for (const outs of [absolute, relative]) {
      expect(found(outs, small)).toBe(0);
      expect(found(outs, (e) => !small(e))).toBe(found(both, (e) => !small(e)));
      for (const i of flagged(outs)) {
        if (outs[i]!.event?.kind !== 'open') continue;
        const floor = outs === absolute ? 20 : 0.2 * Math.abs(outs[i]!.expected);
        expect(Math.abs(outs[i]!.value - outs[i]!.expected)).toBeGreaterThanOrEqual(floor);
      }
    }
  });

  it('a higher threshold flags a subset, and scores are divided by it', () => {
    const strict = run({ ...DEFAULT_OUTPUT_POLICY, threshold: 2 });
    const opens = (outs: ReturnType<typeof run>) => outs.filter((o) => o.event?.kind === 'open').length;
    expect(opens(strict)).toBeLessThan(opens(both));
    expect(opens(strict)).toBeGreaterThan(0);
    // Before any damping differs, the first scores are exactly half.
    const firstOpen = both.findIndex((o) => o.event?.kind === 'open');
    for (let i = 0; i < firstOpen; i++) expect(strict[i]!.score).toBeCloseTo(both[i]!.score / 2, 12);
  });

  it('changes no learning: expected ranges and raw forest scores are identical under any policy', () => {
    const policies: OutputPolicy[] = [
      { threshold: 3, direction: 'down', minDeviation: 7, minRelativeDeviation: 0.1 },
      { ...DEFAULT_OUTPUT_POLICY, direction: 'up' },
    ];
    for (const p of policies) {
      const other = run(p);
      for (let i = 0; i < SERIES.length; i++) {
        expect(other[i]!.expected).toBe(both[i]!.expected);
        expect(other[i]!.upper).toBe(both[i]!.upper);
        expect(Object.is(other[i]!.rawScore, both[i]!.rawScore)).toBe(true);
      }
    }
  });
});
