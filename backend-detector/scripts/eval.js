#!/usr/bin/env node
'use strict';
/**
 * `npm run eval`: detection quality of the real detector on labelled data, with NAB's rules.
 *
 *   1. builds the CLI if any source is newer than dist/;
 *   2. generates a labelled data set (`anomaly-lens simulate --to file`);
 *   3. in one process, runs the detector over every development corpus (../shared/nab,
 *      ../shared/mscmd when present, and the generated set) for every variant of the
 *      settings grid and every seed, and three baselines (running z-score, the same with a
 *      holdoff after each alarm, the paper's Isolation Forest on a sliding window); prints
 *      leave-one-category-out cross-validated scores beside in-sample ones and the margin
 *      over the best baseline per corpus;
 *   4. replays the shipped defaults with `anomaly-lens replay`, scores the outputs with
 *      `anomaly-lens eval` and, when python3 and ../shared/tools/nab_score.py exist, with
 *      that independent scorer; fails if any number differs by more than 0.01.
 *
 * options: --nab <dir> (default ../shared/nab or $ANOMALY_LENS_NAB), --mscmd <dir> (default
 *          ../shared/mscmd or $ANOMALY_LENS_MSCMD), --no-nab, --no-mscmd,
 *          --out <dir> (default <repo>/eval-results), --series <n> (24), --seed <n> (1),
 *          --length <rows> (4032), --seeds <n> detector seeds (10),
 *          --grid <setting>=<v1>,<v2>,... (repeatable; replaces the default grid), --per-file
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const PKG = path.resolve(__dirname, '..');
const REPO = path.resolve(PKG, '..');
const CLI = path.join(PKG, 'bin', 'anomaly-lens.js');
const PROFILES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];
const TOLERANCE = 0.01;
const PUBLISHED = [
  ['ARTime', 73.5],
  ['Numenta HTM', 69.5],
  ['CAD OSE', 66.1],
  ['Random Cut Forest', 61.3],
  ['Relative Entropy', 54.1],
  ['KNN CAD', 52.5],
  ['Twitter ADVec', 44.1],
];

function parseOptions(argv) {
  const o = {
    nab: process.env.ANOMALY_LENS_NAB || path.resolve(REPO, '..', 'shared', 'nab'),
    useNab: true,
    mscmd: process.env.ANOMALY_LENS_MSCMD || path.resolve(REPO, '..', 'shared', 'mscmd'),
    useMscmd: true,
    seeds: 10,
    grid: null,
    out: path.join(REPO, 'eval-results'),
    series: '24',
    seed: '1',
    length: '4032',
    perFile: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--nab') o.nab = path.resolve(value());
    else if (a === '--no-nab') o.useNab = false;
    else if (a === '--mscmd') o.mscmd = path.resolve(value());
    else if (a === '--no-mscmd') o.useMscmd = false;
    else if (a === '--seeds') o.seeds = Number(value());
    else if (a === '--grid') {
      const m = /^([A-Za-z]+)=([-+0-9.e,]+)$/.exec(value());
      if (!m) fail('--grid takes <setting>=<v1>,<v2>,...');
      o.grid = o.grid || {};
      o.grid[m[1]] = m[2].split(',').map(Number);
    } else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--series') o.series = value();
    else if (a === '--seed') o.seed = value();
    else if (a === '--length') o.length = value();
    else if (a === '--per-file') o.perFile = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        fs
          .readFileSync(__filename, 'utf8')
          .split('*/')[0]
          .replace(/^[\s\S]*?\/\*\*\n/, '')
          .replace(/^ \*\s?/gm, '')
      );
      process.exit(0);
    } else fail(`unknown option ${a}`);
  }
  return o;
}

function fail(msg) {
  process.stderr.write(`eval: ${msg}\n`);
  process.exit(1);
}

function run(cmd, args, { capture = false } = {}) {
  const r = spawnSync(cmd, args, {
    cwd: PKG,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
  });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) fail(`${path.basename(cmd)} ${args.join(' ')} exited with ${r.status}`);
  return r.stdout;
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const entry = path.join(PKG, 'dist', 'cli', 'main.js');
  const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
  if (built >= newestMtime(path.join(PKG, 'src'))) return;
  process.stderr.write('eval: sources changed, building the CLI (tsc -p tsconfig.build.json)\n');
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PKG, 'tsconfig.build.json')]);
}

function cli(args, opts) {
  return run(process.execPath, [CLI, ...args], opts);
}

/** Replay into a fresh directory so that no stale output from an earlier run is scored. */
function replay(dataDir, resultsDir) {
  fs.rmSync(resultsDir, { recursive: true, force: true });
  const t0 = Date.now();
  cli(['replay', '--input', dataDir, '--output', resultsDir]);
  return (Date.now() - t0) / 1000;
}

function ourScores(root, resultsDir, perFile) {
  if (perFile) cli(['eval', '--nab-root', root, '--results', resultsDir, '--per-file']);
  return JSON.parse(cli(['eval', '--nab-root', root, '--results', resultsDir, '--json'], { capture: true }));
}

function findPython() {
  for (const cmd of ['python3', 'python']) {
    const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return undefined;
}

/** The independent scorer's numbers for the same outputs, or undefined when unavailable. */
function referenceScores(python, scorer, root, resultsDir) {
  const base = [scorer, '--nab-root', root, '--results', resultsDir, '--layout', 'flat', '--json'];
  const pick = (json) => Object.values(JSON.parse(json).detectors)[0];
  return {
    swept: pick(run(python, base, { capture: true })),
    deployed: pick(run(python, [...base, '--flag-column', 'is_anomaly'], { capture: true })),
  };
}

const fmt = (v, d = 1) => (v === null || v === undefined ? 'n/a' : v.toFixed(d));

/** Plain text table; the first `textColumns` columns are left-aligned, numbers right-aligned. */
function table(head, rows, textColumns = 1) {
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (r) =>
    r
      .map((cell, c) => (c < textColumns ? String(cell).padEnd(w[c]) : String(cell).padStart(w[c])))
      .join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/** The settings grid the defaults are chosen from (docs/detector.md, "How the defaults were chosen"). */
const DEFAULT_GRID = {
  magnitude: [3, 3.5],
  forestFloor: [0.7, 0.75],
  tailProbability: [0.001, 0.002],
  holdoffMinutes: [480, 1440],
  stuckEvidence: [0, 6],
};

function crossValidated(o, sets) {
  const { loadLabelledCorpus } = require(path.join(PKG, 'dist', 'eval', 'series.js'));
  const { assessQuality, DEFAULT_QUALITY_OPTIONS } = require(path.join(PKG, 'dist', 'eval', 'quality.js'));
  const { formatQualityReport, bestBaseline } = require(path.join(PKG, 'dist', 'eval', 'quality-report.js'));
  const { DEFAULT_DETECTOR_CONFIG } = require(path.join(PKG, 'dist', 'model', 'config.js'));
  const corpora = sets.map((s) => loadLabelledCorpus(s.short, s.root));
  const tty = process.stderr.isTTY;
  const grid = o.grid || DEFAULT_GRID;
  const started = Date.now();
  const report = assessQuality(corpora, {
    ...DEFAULT_QUALITY_OPTIONS,
    grid,
    seeds: o.seeds,
    progress: (done, total, what) => {
      if (!tty) return;
      const secs = (Date.now() - started) / 1000;
      const eta = done > 0 ? Math.round((secs / done) * (total - done)) : 0;
      process.stderr.write(`\r\x1b[Keval: ${done}/${total} detector runs (${what}), ~${eta} s left`);
    },
  });
  if (tty) process.stderr.write('\r\x1b[K');
  process.stdout.write(`\ncross-validated quality (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  process.stdout.write(formatQualityReport(report, o.seeds));
  const chosen = report.detector.chosen;
  const shipped = chosen.split(' ').every((kv) => {
    const [k, v] = kv.split('=');
    return v === undefined || Number(v) === DEFAULT_DETECTOR_CONFIG[k];
  });
  process.stdout.write(
    shipped
      ? 'the shipped defaults are the variant chosen on all corpora\n'
      : `NOTE: the shipped defaults differ from the variant chosen on all corpora (${chosen})\n`
  );
  return {
    grid,
    seeds: o.seeds,
    chosen,
    shippedDefaultsChosen: shipped,
    corpora: report.detector.corpora.map((c) => ({
      ...c,
      bestBaseline: bestBaseline(report, c.corpus),
      swept: report.swept.map((x) => x[c.corpus]),
    })),
    pooled: report.detector.pooled,
    folds: report.detector.folds,
    baselines: report.baselines.map((b) => ({ method: b.method, chosen: b.chosen, corpora: b.corpora })),
  };
}

function main() {
  const o = parseOptions(process.argv.slice(2));
  buildIfNeeded();
  if (!fs.existsSync(path.join(PKG, 'dist', 'cli', 'replay.js'))) {
    fail('the replay command is not built (dist/cli/replay.js missing); nothing to evaluate');
  }
  fs.mkdirSync(o.out, { recursive: true });

  const sets = [];
  for (const [use, root, name, short, flag] of [
    [o.useNab, o.nab, 'NAB subset', 'nab', '--no-nab'],
    [o.useMscmd, o.mscmd, 'cloud-monitoring subset', 'mscmd', '--no-mscmd'],
  ]) {
    if (use && fs.existsSync(path.join(root, 'labels', 'combined_windows.json'))) {
      sets.push({ name, short, root, results: path.join(o.out, short) });
    } else {
      process.stdout.write(`eval: ${name} not evaluated: ${use ? `${root} absent` : flag}\n`);
    }
  }
  const simRoot = path.join(o.out, 'generated-data');
  fs.rmSync(simRoot, { recursive: true, force: true });
  cli([
    'simulate',
    '--to',
    'file',
    '--output',
    simRoot,
    '--series',
    o.series,
    '--seed',
    o.seed,
    '--length',
    o.length,
  ]);
  sets.push({
    name: `generated (seed ${o.seed}, ${o.series} series)`,
    short: 'generated',
    root: simRoot,
    results: path.join(o.out, 'generated'),
  });

  const quality = crossValidated(o, sets);

  process.stdout.write('\nthe shipped defaults through `anomaly-lens replay` (seed 1, in-sample):\n');
  for (const s of sets) {
    s.seconds = replay(path.join(s.root, 'data'), s.results);
    s.ours = ourScores(s.root, s.results, o.perFile);
  }
  const scorer = path.resolve(REPO, '..', 'shared', 'tools', 'nab_score.py');
  const python = fs.existsSync(scorer) ? findPython() : undefined;
  let worst = 0;
  if (python) {
    const rows = [];
    for (const s of sets) {
      const ref = referenceScores(python, scorer, s.root, s.results);
      const pairs = PROFILES.map((p) => [p, s.ours.scores[p].normalised, ref.swept[p].normalised]);
      pairs.push([
        'as deployed (standard)',
        s.ours.deployed ? s.ours.deployed.standard.normalised : null,
        ref.deployed.standard.normalised,
      ]);
      for (const [label, mine, theirs] of pairs) {
        const diff = mine === null || theirs === null ? null : mine - theirs;
        if (diff === null ? mine !== theirs : Math.abs(diff) > worst)
          worst = diff === null ? Infinity : Math.abs(diff);
        rows.push([
          s.name,
          label,
          fmt(mine, 4),
          fmt(theirs, 4),
          diff === null ? 'n/a' : (diff < 0 ? '' : '+') + diff.toFixed(6),
        ]);
      }
    }
    process.stdout.write(
      '\ncross-check: anomaly-lens eval vs ../shared/tools/nab_score.py (normalised scores)\n'
    );
    process.stdout.write(table(['data set', 'profile', 'ours', 'nab_score.py', 'diff'], rows, 2) + '\n');
  } else {
    process.stdout.write('\ncross-check skipped: python3 or ../shared/tools/nab_score.py not available\n');
  }

  process.stdout.write('\nNAB scores (0 = null detector, 100 = perfect; threshold swept over every score;\n');
  process.stdout.write("as deployed = the detector's own is_anomaly decisions, standard profile)\n");
  const rows = sets.map((s) => {
    const rowsTotal = s.ours.nRows;
    return [
      s.name,
      s.ours.nFiles,
      s.ours.nWindows,
      ...PROFILES.map((p) => fmt(s.ours.scores[p].normalised)),
      s.ours.deployed ? fmt(s.ours.deployed.standard.normalised) : 'n/a',
      `${Math.round(rowsTotal / s.seconds / 1000)}k`,
    ];
  });
  process.stdout.write(
    table(
      ['data set', 'files', 'windows', 'standard', 'low FP', 'low FN', 'as deployed', 'replay rows/s (wall)'],
      rows
    ) + '\n'
  );
  process.stdout.write(
    "published, NAB subset, standard, swept (given each file's min and max in advance): " +
      PUBLISHED.map(([n, v]) => `${n} ${v.toFixed(1)}`).join(', ') +
      '\n'
  );
  for (const s of sets.filter((x) => x.ours.byKind)) {
    const { profile, swept, deployed } = s.ours.byKind;
    const rate = (k) => (k ? `${k.detected}/${k.windows}` : 'n/a');
    const delay = (k) =>
      k && k.medianDelayRows !== null && k.medianDelayRows !== undefined ? String(k.medianDelayRows) : '-';
    process.stdout.write(
      `\n${s.name}: windows detected per anomaly kind (${profile}; delay = median rows after onset)\n`
    );
    const kindRows = swept.map((k) => {
      const d = deployed ? deployed.find((x) => x.kind === k.kind) : undefined;
      return [k.kind, rate(k), delay(k), rate(d), delay(d)];
    });
    process.stdout.write(table(['kind', 'swept', 'delay', 'as deployed', 'delay'], kindRows) + '\n');
  }
  const summary = {
    when: new Date().toISOString(),
    crossValidated: quality,
    crossCheckMaxDiff: python ? worst : null,
    sets: sets.map((s) => ({
      name: s.name,
      root: s.root,
      results: s.results,
      replaySeconds: s.seconds,
      files: s.ours.nFiles,
      windows: s.ours.nWindows,
      swept: Object.fromEntries(PROFILES.map((p) => [p, s.ours.scores[p].normalised])),
      deployed: s.ours.deployed
        ? Object.fromEntries(PROFILES.map((p) => [p, s.ours.deployed[p].normalised]))
        : null,
      byKind: s.ours.byKind || null,
    })),
  };
  fs.writeFileSync(path.join(o.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  process.stdout.write(`\nsummary: ${path.join(o.out, 'summary.json')}\n`);
  if (worst > TOLERANCE) {
    fail(
      `FAILED: anomaly-lens eval and nab_score.py disagree by ${worst} (> ${TOLERANCE}): the NAB scorer is wrong`
    );
  }
}

main();
