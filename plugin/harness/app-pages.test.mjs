// Browser test of the app pages: the real detector consumes a simulated fleet (plus a few invalid
// messages and a live incident) from the real Kafka, writes into a private real Prometheus that
// scrapes it, and the real page components render in Chromium against that Prometheus.
// Needs: `npm run build` (backend-detector/dist) and Kafka (`npm run services:up`).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { captureAppPages } from './app-pages.mjs';

describe('app pages on real detector data', { timeout: 420_000 }, () => {
  let seen;
  before(async () => {
    seen = await captureAppPages();
  });

  it('lists anomaly events with links to the overview dashboard at their series', () => {
    const rows = seen['app-anomalies'].anomalyRows;
    assert.ok(rows.length > 0, 'the detector flagged none of the injected anomalies');
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
    // the two quiet hosts (host-05, host-06) had no injected anomalies
    const quiet = rows.filter((r) => /host-0[56]/.test(r.text));
    assert.ok(
      quiet.length <= rows.length / 4,
      `too many events on quiet hosts: ${quiet.map((r) => r.text).join(' | ')}`
    );
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

  it('confirms the datasource holds scores and self-metrics', () => {
    assert.match(
      seen['app-config'].configResult ?? '',
      /^Connected: \d+ scored series and \d+ detector self-metric series\.$/
    );
  });
});
