#!/usr/bin/env node
'use strict';
/**
 * Retained memory per series of the streaming detector, measured rather than estimated:
 * creates many detectors, feeds each the same number of points of a varied, realistic mix
 * of series, and divides the growth of the heap, of off-heap typed-array memory and of RSS
 * by the number of detectors. Also reports the binary checkpoint size (state-codec).
 *
 *   node scripts/memory.js [--series 10000] [--points 2000] [--timed 512] [--dist <built dir>]
 *
 * Then times --timed more points per series, still round robin (one refit each with the
 * defaults): scoring throughput with many series' models competing for the CPU caches.
 * Compare builds by pointing --dist at another tsc output of an older checkout.
 * Needs the built sources (`npm run build`, or --dist pointing at another tsc output).
 * Re-runs itself with --expose-gc so the numbers are retained bytes, not garbage.
 */
const path = require('path');
const { spawnSync } = require('child_process');

if (typeof global.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const SERIES = Number(option('series', '10000'));
const POINTS = Number(option('points', '2000'));
const TIMED = Number(option('timed', '512'));
const DIST = path.resolve(option('dist', path.join(__dirname, '..', 'dist')));
const model = require(path.join(DIST, 'model'));
const { Prng } = require(path.join(DIST, 'model', 'iforest'));

const FIVE_MIN = 300_000;
const START = Date.UTC(2026, 0, 5);
const KINDS = ['seasonal', 'random walk', 'uniform noise', 'quantized counter', 'flat with blips'];

/** Value generator of series `s` (kind = s mod KINDS). */
function generator(s) {
  const rng = new Prng(1000 + s);
  const kind = s % KINDS.length;
  let walk = 100;
  return (i) => {
    switch (kind) {
      case 0:
        return 50 + 20 * Math.sin((2 * Math.PI * (i % 288)) / 288) + 4 * rng.next();
      case 1:
        walk += rng.next() - 0.5;
        return walk;
      case 2:
        return rng.next() * 1000;
      case 3:
        return Math.round(rng.next() * 8) * 1024;
      default:
        return rng.next() < 0.02 ? 10 + rng.next() * 50 : 10;
    }
  };
}

function sample() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external, rss: m.rss };
}

function kb(bytes) {
  return (bytes / 1000).toFixed(1);
}

const before = sample();
const detectors = Array.from({ length: SERIES }, () => model.createSeriesDetector());
const generators = Array.from({ length: SERIES }, (_, s) => generator(s));
const started = Date.now();
// Round robin, as a pipeline sees many series: refits of different series interleave,
// so allocator fragmentation shows in RSS as it would in production.
for (let i = 0; i < POINTS; i++) {
  for (let s = 0; s < SERIES; s++) detectors[s].update(START + i * FIVE_MIN, generators[s](i));
  if (process.stderr.isTTY && i % 20 === 0) process.stderr.write(`\rpoint ${i}/${POINTS}`);
}
if (process.stderr.isTTY) process.stderr.write('\r');
const after = sample();

const per = (k) => (after[k] - before[k]) / SERIES;
const sizes = Array.from({ length: Math.min(SERIES, 1000) }, (_, s) => {
  const bytes = model.encodeDetectorState(detectors[s]);
  return { kind: KINDS[s % KINDS.length], bytes: bytes.length };
});
const byKind = KINDS.map((k) => {
  const xs = sizes.filter((x) => x.kind === k).map((x) => x.bytes);
  return `${k} ${kb(xs.reduce((a, b) => a + b, 0) / xs.length)}`;
});

process.stdout.write(
  [
    `detectors: ${SERIES} × ${POINTS} points (defaults; ${KINDS.join(', ')}), ${((Date.now() - started) / 1000).toFixed(0)} s`,
    `retained per series: heap ${kb(per('heap'))} kB + off-heap ${kb(per('external'))} kB = ${kb(per('heap') + per('external'))} kB; RSS ${kb(per('rss'))} kB (V8 heap reserved ${kb(per('heapTotal'))} kB)`,
    `binary state per series (kB): mean ${kb(sizes.reduce((a, x) => a + x.bytes, 0) / sizes.length)}, max ${kb(Math.max(...sizes.map((x) => x.bytes)))}; by kind: ${byKind.join(', ')}`,
    '',
  ].join('\n')
);
const cpu0 = process.cpuUsage();
for (let i = POINTS; i < POINTS + TIMED; i++) {
  for (let s = 0; s < SERIES; s++) detectors[s].update(START + i * FIVE_MIN, generators[s](i));
}
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
if (TIMED > 0) {
  process.stdout.write(
    `scoring ${SERIES} series round robin: ${Math.round((SERIES * TIMED) / cpuSeconds)} points per CPU-second (${TIMED} points each)\n`
  );
}
