// Browser test of the app pages: the real detector consumes a simulated fleet (plus a few invalid
// messages and a live incident) from the real Kafka, writes into a private real Prometheus that
// scrapes it, and the real page components render in Chromium against that Prometheus.
// Needs: `npm run build` (backend-detector/dist) and Kafka (`npm run services:up`).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { captureAppPages } from './app-pages.mjs';
import { provisionedQueries } from './provisioned-queries.mjs';

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

describe('app pages on real detector data', { timeout: 420_000 }, () => {
  let seen;
  before(async () => {
    seen = await captureAppPages({ onData: evaluateAll });
  });

  it('lists incidents with links to the overview dashboard at their series', () => {
    const rows = seen['app-anomalies'].anomalyRows;
    assert.ok(rows.length > 0, 'the detector flagged none of the injected anomalies');
    // One incident per host at a time: host-01's latency and request rate are one open incident.
    const open = rows.filter((r) => r.text.includes('Open'));
    const hosts = open.map((r) => /host=(host-\d+)/.exec(r.text)?.[1]);
    assert.equal(new Set(hosts).size, hosts.length, `more than one open incident for a host: ${hosts}`);
    const host01 = rows.find((r) => r.text.includes('host=host-01') && r.text.includes('Open'));
    assert.ok(host01, rows.map((r) => r.text).join('\n'));
    assert.match(host01.text, /latency_p95_ms/);
    assert.match(host01.text, /request_rate/);
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
      assert.equal(url.searchParams.get('var-host'), 'host-01', event.text);
    }
  });

  it('shows one incident alert per host, naming its anomalous metrics', () => {
    const rows = seen['app-alerts'].alertRows.filter((r) => r.includes('Anomaly incident'));
    assert.ok(rows.length >= 1, seen['app-alerts'].alertRows.join('\n'));
    const host01 = rows.filter((r) => r.includes('host-01:'));
    assert.equal(host01.length, 1, rows.join('\n'));
    assert.match(host01[0], /host-01: \d+ anomalous series: \w+ \([\d.]+\)/);
    assert.match(host01[0], /latency_p95_ms|request_rate/);
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

  it('runs every provisioned dashboard and alert query on the detector data', () => {
    const results = seen.inspected;
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

  it('confirms the datasource holds scores and self-metrics', () => {
    assert.match(
      seen['app-config'].configResult ?? '',
      /^Connected: \d+ scored series and \d+ detector self-metric series\.$/
    );
  });
});
