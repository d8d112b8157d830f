import { detectionByKind } from '../../../src/eval/by-kind';
import { buildTruthFile } from '../../../src/eval/nab-rules';
import { evaluateFile } from '../../../src/eval/scoring';

const STEP = 60_000;
const times = (n: number): number[] => Array.from({ length: n }, (_, i) => i * STEP);
const CM = { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 };

describe('detectionByKind', () => {
  it('counts detected windows per kind and the median delay from the anomaly start', () => {
    // windows [30,40] (spike at 35), [60,70] (stuck at 65), [80,90] (spike at 85); probation = 15 rows
    const tf = buildTruthFile('m/h.csv', times(100), [
      [30 * STEP, 40 * STEP],
      [60 * STEP, 70 * STEP],
      [80 * STEP, 90 * STEP],
    ]);
    const scores = new Float64Array(100);
    scores[37] = 1; // spike 1 found 2 rows late
    scores[38] = 1;
    scores[84] = 1; // spike 2 found 1 row early (inside the window's left half)
    const tally = { rel: tf.rel, ...evaluateFile(tf, scores, CM, 0.5) };
    expect(tally.firstDetection).toEqual([37, null, 84]);
    const rows = detectionByKind([tf], [tally], {
      'm/h.csv': [
        { kind: 'spike', startRow: 35, windowRows: [30, 40] },
        { kind: 'stuck', startRow: 65, windowRows: [60, 70] },
        { kind: 'spike', startRow: 85, windowRows: [80, 90] },
      ],
    });
    expect(rows).toEqual([
      { kind: 'spike', windows: 2, detected: 2, medianDelayRows: 0.5 },
      { kind: 'stuck', windows: 1, detected: 0, medianDelayRows: undefined },
    ]);
  });

  it('ignores windows that end in the probation period and files without details', () => {
    const tf = buildTruthFile('m/h.csv', times(100), [[2 * STEP, 6 * STEP]]);
    const tally = { rel: tf.rel, ...evaluateFile(tf, new Float64Array(100).fill(1), CM, 0.5) };
    expect(
      detectionByKind([tf], [tally], { 'm/h.csv': [{ kind: 'dip', startRow: 4, windowRows: [2, 6] }] })
    ).toEqual([]);
    expect(detectionByKind([tf], [tally], {})).toEqual([]);
  });
});
