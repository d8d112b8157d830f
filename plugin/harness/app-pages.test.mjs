// Browser test of the app pages: the real detector consumes a simulated fleet (plus a few invalid
// messages and a live incident) from the real Kafka, writes into a private real Prometheus that
// scrapes it, and the real page components render in Chromium against that Prometheus.
// Needs: `npm run build` (backend-detector/dist) and Kafka (`npm run services:up`).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { captureAppPages } from './app-pages.mjs';
import { incidentRule, provisionedQueries } from './provisioned-queries.mjs';

/** Series that legitimately stay empty in a healthy run: nothing failed or was dropped. */
const MAY_BE_EMPTY = /sink_write_failures|sink_samples_rejected|points_dropped|anomalylens_maintenance/;

async function evaluateAll(promUrl) {
  const results = [];
  for (const { where, expr } of provisionedQueries()) {
    const res = await fetch(`${promUrl}/api/v1/query`, {
      method: 'POST',
      body: new URLSearchParams({ query: expr }),
    });
    const body = await res.json();
    results.push({ where, expr, status: body.status, error: body.error, series: body.data?.result?.length ?? 0 });
  }
  return results;
}

async function promJson(promUrl, api, params) {
  const res = await fetch(`${promUrl}/api/v1/${api}`, { method: 'POST', body: new URLSearchParams(params) });
  const body = await res.json();
  assert.equal(body.status, 'success', `${params.query}: ${body.error}`);
  return body.data.result;
}

/**
 * Replays the incident rule as Grafana evaluates it, once per group interval over the whole run,
 * and reports for every score of 1 or more the detector wrote whether the evaluation after it
 * fired (its `A` at least 1 there and at every evaluation through the rule's `for`).
 */
async function incidentRuleCoverage(promUrl) {
  const rule = incidentRule();
  const end = Math.floor(Date.now() / 1000);
  const start = end - 8 * 3600;
  const raw = await promJson(promUrl, 'query', { query: 'anomalylens_score[8h]', time: String(end) });
  const evaluations = await promJson(promUrl, 'query_range', {
    query: rule.exprs.A,
    start: String(start),
    end: String(end),
    step: String(rule.intervalSeconds),
  });
  const peakAt = new Map(evaluations.map((s) => [s.metric.host, new Map(s.values.map(([t, v]) => [t, Number(v)]))]));
  const points = [];
  for (const series of raw) {
    for (const [t, v] of series.values) {
      // An anomalous score the rule has had an evaluation after.
      if (Number(v) >= 1 && t <= end - rule.intervalSeconds - rule.forSeconds) {
        const next = start + Math.ceil((t - start) / rule.intervalSeconds) * rule.intervalSeconds;
        const evals = peakAt.get(series.metric.host) ?? new Map();
        let fired = true;
        for (let e = next; e <= next + rule.forSeconds; e += rule.intervalSeconds) {
          fired &&= (evals.get(e) ?? 0) >= 1;
        }
        points.push({ host: series.metric.host, metric: series.metric.metric, t, score: Number(v), fired });
      }
    }
  }
  return points;
}

describe('app pages on real detector data', { timeout: 420_000 }, () => {
  let seen;
  before(async () => {
    seen = await captureAppPages({
      onData: async (promUrl) => ({
        queries: await evaluateAll(promUrl),
        incidentRule: await incidentRuleCoverage(promUrl),
      }),
    });
  });

  it('lists incidents with links to the overview dashboard at their series', () => {
    const rows = seen['app-anomalies'].anomalyRows;
    assert.ok(rows.length > 0, 'the detector flagged none of the injected anomalies');
    const incidents = rows.map((row) => {
      const [start, end] = [...row.text.matchAll(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g)].map((m) => Date.parse(m[0]));
      return {
        host: /host=(host-\d+)/.exec(row.text)?.[1],
        open: row.text.includes('Open'),
        start,
        end: row.text.includes('ongoing') ? Date.now() : end,
        series: Number(
          row.text
            .split('\n')
            .find((line) => /^\s*\d+\s+\d+\.\d\d\s*$/.test(line))
            ?.trim()
            .split(/\s+/)[0]
        ),
        text: row.text,
      };
    });
    // Incidents of one host never overlap, even within the 5-minute gap tolerance.
    for (const host of new Set(incidents.map((i) => i.host))) {
      const mine = incidents.filter((i) => i.host === host).sort((a, b) => a.start - b.start);
      assert.ok(mine.filter((i) => i.open).length <= 1, `${host} has several open incidents`);
      for (let k = 1; k < mine.length; k++) {
        assert.ok(mine[k].start - mine[k - 1].end > 5 * 60_000, `${host}: incidents ${k - 1} and ${k} overlap`);
      }
    }
    assert.ok(
      incidents.some((i) => i.series >= 2),
      `no incident groups several series:\n${rows.map((r) => r.text).join('\n')}`
    );
    for (const row of rows) {
      const url = new URL(row.link, 'http://grafana.local');
      assert.equal(url.pathname, '/d/anomalylens-overview');
      assert.match(url.searchParams.get('var-host') ?? '', /^host-0\d$/);
      assert.ok(url.searchParams.get('var-metric'), row.text);
      assert.ok(
        Number(url.searchParams.get('from')) < Number(url.searchParams.get('to')) ||
          url.searchParams.get('to') === 'now'
      );
    }
  });

  it('expands an incident to its series, ranked by peak score, and their events', () => {
    const page = seen['app-anomalies'];
    const host = /host=(host-\d+)/.exec(seen.expandedIncident)?.[1];
    assert.ok(page.incidentSeries.length >= 2, page.incidentSeries.join('\n'));
    const peaks = page.incidentSeries.map((text) => Number(/\b(\d+\.\d\d)\b/.exec(text)?.[1]));
    assert.deepEqual(
      peaks,
      [...peaks].sort((a, b) => b - a),
      `series not ranked by peak: ${page.incidentSeries.join(' | ')}`
    );
    assert.ok(page.incidentEvents.length >= page.incidentSeries.length);
    for (const event of page.incidentEvents) {
      const url = new URL(event.link, 'http://grafana.local');
      assert.equal(url.searchParams.get('var-host'), host, event.text);
    }
  });

  it('shows at most one incident alert per host, naming its anomalous metrics', (t) => {
    // The rule fires while a host has scored 1 or more in its window; whether one has at the end
    // of the scenario depends on where the simulated anomalies fall, so there may be none.
    const rows = seen['app-alerts'].alertRows.filter((r) => r.includes('Anomaly incident'));
    if (rows.length === 0) {
      t.skip('no host scores 1 or more at the end of the run');
      return;
    }
    const hosts = rows.map((r) => /(host-\d+): \d+ anomalous series/.exec(r)?.[1]);
    assert.ok(hosts.every(Boolean), rows.join('\n'));
    assert.equal(new Set(hosts).size, hosts.length, rows.join('\n'));
    for (const row of rows) {
      assert.match(row, /host-\d+: \d+ anomalous series: \w+ \([\d.]+\)/);
    }
  });

  it('reports the dead-lettered messages by their real reasons on the stream health page', () => {
    const page = seen['app-stream-health'];
    assert.equal(page.healthLevel, 'warning', page.text);
    assert.match(page.text, /Messages dead-lettered/);
    assert.match(page.text, /invalid_json/);
    // 6 hosts × 3 metrics
    assert.match(page.text, /Active series\s+18\b/);
  });

  it('shows the pending dead-letter alert instances', () => {
    const rows = seen['app-alerts'].alertRows;
    assert.ok(
      rows.filter((r) => r.startsWith('Pending') && r.includes('Messages dead-lettered')).length >= 1,
      rows.join('\n')
    );
  });

  it('fires the incident rule at the evaluation after every anomalous score', () => {
    const points = seen.inspected.incidentRule;
    assert.ok(points.length >= 5, `only ${points.length} anomalous scores to check`);
    const missed = points.filter((p) => !p.fired);
    assert.deepEqual(
      missed.map((p) => `${p.host} ${p.metric} ${new Date(p.t * 1000).toISOString()} score ${p.score}`),
      [],
      `the rule missed ${missed.length} of ${points.length} anomalous scores`
    );
  });

  it('runs every provisioned dashboard and alert query on the detector data', () => {
    const results = seen.inspected.queries;
    assert.ok(results.length >= 25, `only ${results.length} queries found`);
    const failed = results.filter((r) => r.status !== 'success');
    assert.deepEqual(failed, [], 'queries Prometheus rejects');
    const empty = results.filter((r) => r.series === 0 && !MAY_BE_EMPTY.test(r.expr));
    assert.deepEqual(
      empty.map((r) => `${r.where}: ${r.expr}`),
      [],
      'queries that find no data although the detector ran'
    );
  });

  it('reads the detector policy from its self-metrics on the configuration page', () => {
    const page = seen['app-config'];
    // The scenario's detector runs without a policy file, and its self-metrics are scraped.
    assert.equal(page.policyState, 'none', page.policyText);
    assert.match(page.policyText, /No policy file/);
  });

  it('confirms the datasource holds scores and self-metrics', () => {
    assert.match(
      seen['app-config'].configResult ?? '',
      /^Connected: \d+ scored series and \d+ detector self-metric series\.$/
    );
  });
});
