/** Text tables for `anomaly-lens eval`. */
import { EvalReport } from './evaluate';
import { KindRow } from './by-kind';
import { ProfileScore } from './scoring';

function fmt(v: number | undefined, digits: number): string {
  return v === undefined ? 'n/a' : v.toFixed(digits);
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function scoreRow(label: string, s: ProfileScore): string[] {
  return [
    label,
    s.mode,
    Number.isFinite(s.threshold) ? String(Number(s.threshold.toPrecision(8))) : String(s.threshold),
    s.score.toFixed(4),
    fmt(s.normalised, 2),
    `${s.tpWindows}/${s.windows}`,
    String(s.fpRows),
  ];
}

export function formatReport(r: EvalReport, perFile: boolean): string {
  const out: string[] = [];
  out.push(
    `NAB score: ${r.nFiles} files, ${r.nRows} rows, ${r.nWindows} windows; categories: ${r.categories.join(',')}`
  );
  out.push(
    'baselines: ' +
      Object.entries(r.baselines)
        .map(([p, b]) => `${p} null=${b.nullScore.toFixed(3)} perfect=${b.perfectScore.toFixed(1)}`)
        .join('; ')
  );
  out.push('');
  const head = ['profile', 'mode', 'threshold', 'raw', 'score', 'TP windows', 'FP rows'];
  const rows: string[][] = [];
  for (const [p, s] of Object.entries(r.scores)) rows.push(scoreRow(`${p} (${r.scoreColumn})`, s));
  if (r.deployed) {
    for (const [p, s] of Object.entries(r.deployed))
      rows.push(scoreRow(`${p} as deployed (${r.flagColumn})`, s));
  }
  out.push(table(head, rows));
  if (r.flagColumn && !r.deployed) {
    out.push(
      `as deployed: n/a (no '${r.flagColumn}' column in ${r.deployedMissingIn.length} result file(s))`
    );
  }
  const gap =
    r.deployed && r.scores.standard && r.deployed.standard
      ? (r.scores.standard.normalised ?? 0) - (r.deployed.standard.normalised ?? 0)
      : undefined;
  if (gap !== undefined && gap > 10) {
    out.push(
      `note: as-deployed is ${gap.toFixed(1)} points below the swept score: the detector's own threshold is poor`
    );
  }
  if (r.byKind) {
    const { profile, swept, deployed } = r.byKind;
    const rate = (k: KindRow | undefined): string => (k ? `${k.detected}/${k.windows}` : 'n/a');
    const delay = (k: KindRow | undefined): string =>
      k?.medianDelayRows === undefined ? '-' : String(k.medianDelayRows);
    out.push('');
    out.push(
      `by anomaly kind (${profile}; delay = median rows from the anomaly's first row to the first detection):`
    );
    out.push(
      table(
        ['kind', 'detected (swept)', 'delay', 'detected (as deployed)', 'delay'],
        swept.map((k) => {
          const d = deployed?.find((x) => x.kind === k.kind);
          return [k.kind, rate(k), delay(k), rate(d), delay(d)];
        })
      )
    );
  }
  if (perFile) {
    for (const [label, group] of [
      ['swept', r.scores],
      ['as deployed', r.deployed ?? {}],
    ] as const) {
      for (const [p, s] of Object.entries(group)) {
        out.push('');
        out.push(`per file, ${p} ${label} (threshold ${Number(s.threshold.toPrecision(8))}):`);
        out.push(
          table(
            ['file', 'raw', 'TP windows', 'FP rows'],
            s.perFile.map((f) => [f.rel, f.score.toFixed(4), `${f.tpWindows}/${f.windows}`, String(f.fpRows)])
          )
        );
      }
    }
  }
  return out.join('\n') + '\n';
}

/** JSON-safe report (per-file detail only when asked). */
export function reportJson(r: EvalReport, perFile: boolean): unknown {
  const strip = (group: Record<string, ProfileScore> | undefined): unknown =>
    group === undefined
      ? null
      : Object.fromEntries(
          Object.entries(group).map(([p, s]) => {
            const { perFile: pf, ...rest } = s;
            return [p, { ...rest, normalised: s.normalised ?? null, ...(perFile ? { perFile: pf } : {}) }];
          })
        );
  return { ...r, flagColumn: r.flagColumn ?? null, scores: strip(r.scores), deployed: strip(r.deployed) };
}
