/**
 * Text tables for `npm run eval`: the detector's cross-validated and in-sample NAB scores per
 * corpus beside the same-run baselines, the held-out folds, and every variant tried.
 */
import { CrossValidation, Spread } from './cross-validation';
import { QualityReport } from './quality';

const pm = (s: Spread): string => `${s.mean.toFixed(1)} ± ${s.sd.toFixed(1)}`;

function table(head: string[], rows: string[][], textColumns = 1): string {
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string =>
    r.map((cell, c) => (c < textColumns ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function corpusOf(cv: CrossValidation, corpus: string): { cv: Spread; in: Spread } {
  const c = cv.corpora.find((x) => x.corpus === corpus)!;
  return { cv: c.crossValidated, in: c.inSample };
}

/** Best cross-validated baseline per corpus. */
export function bestBaseline(r: QualityReport, corpus: string): { method: string; score: number } {
  let best = { method: '', score: -Infinity };
  for (const b of r.baselines) {
    const s = corpusOf(b, corpus).cv.mean;
    if (s > best.score) best = { method: b.method, score: s };
  }
  return best;
}

export function formatQualityReport(r: QualityReport, seeds: number): string {
  const corpora = r.detector.corpora.map((c) => c.corpus);
  const out: string[] = [];
  out.push(
    `NAB standard profile, 0 = null detector, 100 = perfect. Cross-validated (CV): leave one category\n` +
      `out, choose settings (baselines: also the threshold) on all other categories of all corpora,\n` +
      `score the held-out one. Mean ± sd over ${seeds} seeds (baselines without randomness: one).`
  );
  const rows: string[][] = [];
  for (const m of [r.detector, ...r.baselines]) {
    for (const corpus of corpora) {
      const c = corpusOf(m, corpus);
      rows.push([m.method, corpus, pm(c.cv), pm(c.in), (c.in.mean - c.cv.mean).toFixed(1)]);
    }
  }
  out.push(table(['method', 'corpus', 'CV', 'in-sample', 'in − CV'], rows, 2));

  const margin: string[][] = corpora.map((corpus) => {
    const ours = corpusOf(r.detector, corpus).cv.mean;
    const best = bestBaseline(r, corpus);
    const swept = r.swept.map((s) => s[corpus]!);
    const sweptMean = swept.reduce((a, b) => a + b, 0) / swept.length;
    return [
      corpus,
      ours.toFixed(1),
      `${best.score.toFixed(1)} (${best.method})`,
      (ours - best.score).toFixed(1),
      sweptMean.toFixed(1),
      (sweptMean - corpusOf(r.detector, corpus).in.mean).toFixed(1),
    ];
  });
  out.push(
    '\nAnomaly Lens as deployed against the best same-run baseline (CV), and against its own threshold\n' +
      'swept per corpus (in-sample, NAB procedure):'
  );
  out.push(
    table(['corpus', 'ours CV', 'best baseline CV', 'margin', 'swept', 'swept − deployed'], margin, 1)
  );
  out.push(
    '\nEach baseline tuned on one corpus alone (setting and threshold chosen on the corpus it is\n' +
      'scored on: in-sample, an upper bound no deployment gets):'
  );
  out.push(
    table(
      ['method', ...corpora],
      r.baselineCeilings.map((b) => [
        b.method,
        ...corpora.map((c) => `${b.byCorpus[c]!.score.toFixed(1)} (${b.byCorpus[c]!.variant})`),
      ])
    )
  );
  const p = r.detector.pooled;
  out.push(
    `pooled (mean over corpora): CV ${pm(p.crossValidated)}, in-sample ${pm(p.inSample)}, ` +
      `difference ${(p.inSample.mean - p.crossValidated.mean).toFixed(1)}`
  );

  out.push(`\nHeld-out folds (Anomaly Lens; settings chosen without the fold; seed mean):`);
  out.push(
    table(
      ['fold', 'chosen without it', 'held-out score', 'gain over null (raw)'],
      r.detector.folds.map((f) => [
        f.fold,
        f.chosen,
        Number.isNaN(f.heldOut) ? 'n/a (no windows)' : f.heldOut.toFixed(1),
        f.heldOutGain.toFixed(2),
      ]),
      2
    )
  );
  out.push(`\nchosen on all corpora: ${r.detector.chosen}`);
  out.push('\nEvery variant tried (in-sample, seed mean):');
  out.push(
    table(
      ['variant', ...corpora, 'mean'],
      r.variants.map((v) => [v.variant, ...corpora.map((c) => v.byCorpus[c]!.toFixed(1)), v.mean.toFixed(1)])
    )
  );
  return out.join('\n') + '\n';
}
