// Bench: the overlay panel's render time for 10 series × 10k points with overlays against the
// same data without overlays, measured in one Chromium session (interleaved runs, medians).
// Render time = React commit + uPlot's first draw of the panel (harness `render`).
import { openHarness } from './browser.mjs';

// `npm run bench -- <name>` at the root passes the filter to every workspace: run only when
// it names this bench (the backend's filters, e.g. e2e-budget, must not start a browser).
const NAME = 'panel-render';
const filter = process.argv.slice(2);
if (filter.length > 0 && !filter.some((f) => NAME.includes(f))) {
  console.log(`plugin bench ${NAME} skipped: not selected by ${filter.join(', ')}`);
  process.exit(0);
}

const SERIES = 10;
const POINTS = 10_000;
const STEP_MS = 60_000;
const RUNS = Number(process.env.BENCH_RUNS || 9);
const WARMUP = 2;
const TARGET = 1.3;

/** Deterministic detector-like output: seasonal values, a band around them, scored anomalies. */
function makeMatrices(from) {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out = Object.fromEntries(
    ['observed', 'expected', 'expected_lower', 'expected_upper', 'score', 'anomalous'].map((k) => [k, []])
  );
  for (let s = 0; s < SERIES; s++) {
    const metric = { host: `web-${s + 1}`, metric: 'cpu_utilization' };
    const cols = Object.fromEntries(Object.keys(out).map((k) => [k, []]));
    let burst = 0;
    for (let i = 0; i < POINTS; i++) {
      const t = (from + i * STEP_MS) / 1000;
      const expected = 40 + s * 3 + 15 * Math.sin((i / 1440) * 2 * Math.PI + s);
      if (burst === 0 && rand() < 0.002) {
        burst = 3 + Math.floor(rand() * 12);
      }
      const shock = burst > 0 ? 25 + rand() * 20 : 0;
      const value = expected + (rand() - 0.5) * 8 + shock;
      const score = burst > 0 ? 1 + rand() * 3 : rand() * 0.6;
      cols.observed.push([t, value.toFixed(3)]);
      cols.expected.push([t, expected.toFixed(3)]);
      cols.expected_lower.push([t, (expected - 9).toFixed(3)]);
      cols.expected_upper.push([t, (expected + 9).toFixed(3)]);
      cols.score.push([t, score.toFixed(4)]);
      cols.anomalous.push([t, burst > 0 ? '1' : '0']);
      burst = Math.max(0, burst - 1);
    }
    for (const k of Object.keys(out)) {
      out[k].push({ metric: { __name__: `anomalylens_${k}`, ...metric }, values: cols[k] });
    }
  }
  return Object.values(out).map((result) => ({ resultType: 'matrix', result }));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const NO_OVERLAYS = {
  showBand: false,
  showRegions: false,
  showPoints: false,
  showScoreTrack: false,
  showExpectedLine: false,
};
const VARIANTS = [
  ['without overlays (observed lines only)', NO_OVERLAYS],
  ['with overlays, default (points, score track, regions strip; band on hover)', {}],
  ['with overlays on all 10 series (band + regions + points + score)', { overlayMode: 'all' }],
];

const from = Date.UTC(2026, 0, 1);
const matrices = makeMatrices(from);
let t = Date.now();
const h = await openHarness({ width: 1300, height: 700 });
if (process.env.BENCH_VERBOSE) {
  console.error(`harness open ${Date.now() - t} ms`);
}
try {
  const times = VARIANTS.map(() => []);
  t = Date.now();
  await h.page.evaluate((json) => window.harness.stash('bench', json), JSON.stringify(matrices));
  if (process.env.BENCH_VERBOSE) {
    console.error(`data shipped in ${Date.now() - t} ms`);
  }
  const payload = (options) => ({
    width: 1200,
    height: 500,
    from,
    to: from + (POINTS - 1) * STEP_MS,
    stashedMatrices: 'bench',
    options,
  });
  for (let run = 0; run < WARMUP + RUNS; run++) {
    for (const [i, [, options]] of VARIANTS.entries()) {
      const wall = Date.now();
      const ms = await h.render('overlay-panel', payload(options));
      if (process.env.BENCH_VERBOSE) {
        console.error(`run ${run} variant ${i}: ${ms.toFixed(1)} ms (round trip ${Date.now() - wall} ms)`);
      }
      if (run >= WARMUP) {
        times[i].push(ms);
      }
    }
    if (process.stderr.isTTY) {
      process.stderr.write(`\rrun ${run + 1}/${WARMUP + RUNS}`);
    }
  }
  if (h.errors.length > 0) {
    throw new Error(`page errors: ${h.errors.map(String).join('; ')}`);
  }
  const base = median(times[0]);
  const lines = [
    '',
    `overlay panel render, ${SERIES} series × ${POINTS.toLocaleString('en')} points, Chromium (median of ${RUNS}, same run)`,
  ];
  for (const [i, [label]] of VARIANTS.entries()) {
    const m = median(times[i]);
    const ratio = i === 0 ? '' : `  ratio ${(m / base).toFixed(2)}× vs without overlays (target ≤ ${TARGET}×)`;
    lines.push(`  ${label.padEnd(76)} ${m.toFixed(1).padStart(7)} ms${ratio}`);
  }
  console.log(lines.join('\n'));
} finally {
  await h.close();
}
