// Browser test: the real overlay panel with the real @grafana/ui theme in Debian's Chromium,
// on data the real detector wrote into a real Prometheus. Asserts by canvas pixels that anomaly
// regions and points are drawn where the data says, and saves the README's screenshots.
// Needs: `npm run build` (backend-detector/dist) and Prometheus (`npm run services:up`).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openHarness } from './browser.mjs';
import { expectedRegions, isTinted, parseColor, SEVERITY_PALETTE, seriesByTime, severityName } from './pixels.mjs';
import {
  prometheusReady,
  queryRange,
  queryRun,
  replayIntoPrometheus,
  withoutScores,
  writeMaintenanceFlag,
} from './prometheus-feed.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCREENSHOTS = path.resolve(here, '..', '..', 'docs', 'screenshots');
const PROM = process.env.ANOMALYLENS_PROMETHEUS_URL || 'http://127.0.0.1:9090';
const RUN = `plugin-browser-${process.pid}-${Date.now()}`;
const REGION_ALPHA = 0.22; // defaultOverlayOptions.regionOpacity / 100

let h;
let single; // one host: { replay, matrices, regions, score }
let fleet; // ten hosts
let maint; // one host, replayed for a maintenance window

/** The overview dashboard's maintenance query, as provisioned. */
function provisionedMaintenanceQuery() {
  const file = path.resolve(here, '..', '..', 'provisioning', 'dashboards', 'anomalylens', 'overview.json');
  const overview = JSON.parse(readFileSync(file, 'utf8'));
  const overlay = overview.panels.find((p) => p.type === 'anomalylens-overlay-panel');
  return overlay.targets.find((t) => t.expr.startsWith('anomalylens_maintenance')).expr;
}

/** Canvas geometry and pixels of the rendered plot, read inside the page. */
async function probe(h, { regions, extraXs = [] }) {
  return h.page.evaluate(
    ({ regions, extraXs }) => {
      const u = window.overlayPlot;
      const ctx = u.ctx;
      const { left, top, width } = u.bbox;
      const pixel = (x, y) => Array.from(ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data);
      const y = top + 3;
      const spans = regions.map((r) => [u.valToPos(r.start, 'x', true), u.valToPos(r.end, 'x', true)]);
      const inside = spans.map(([x0, x1]) => {
        const xs = [];
        for (let x = Math.ceil(x0) + 1; x <= Math.floor(x1) - 1; x++) {
          xs.push(x);
        }
        if (xs.length === 0) {
          xs.push((x0 + x1) / 2);
        }
        return xs.map((x) => pixel(x, y));
      });
      const outside = [];
      for (let x = left + 2; x < left + width - 2; x += 5) {
        if (spans.every(([x0, x1]) => x < x0 - 3 || x > x1 + 3)) {
          outside.push(pixel(x, y));
        }
      }
      const extra = extraXs.map(([t, v]) => pixel(u.valToPos(t, 'x', true), u.valToPos(v, 'y', true)));
      return { inside, outside, extra };
    },
    { regions, extraXs }
  );
}

/**
 * Pixels of the regions at least 2 pixels wide inside, or of all regions when none is. A
 * one-step region is 2–3 pixels wide on the fleet panels and probed at a single pixel, where
 * rounding decides; which regions a replay yields depends on the time of day it runs (the
 * model's daily seasonality).
 */
function measurable(insidePerRegion) {
  const wide = insidePerRegion.filter((px) => px.length >= 2);
  return (wide.length > 0 ? wide : insidePerRegion).flat();
}

async function settle(h) {
  await h.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Moves the mouse onto the plot at time t and value v (CSS pixels). */
async function hover(h, t, v) {
  const { x, y } = await h.page.evaluate(
    ([t, v]) => {
      const u = window.overlayPlot;
      const rect = u.over.getBoundingClientRect();
      return { x: rect.left + u.valToPos(t, 'x'), y: rect.top + u.valToPos(v, 'y') };
    },
    [t, v]
  );
  await h.page.mouse.move(x, y, { steps: 4 });
  await settle(h);
}

async function screenshot(h, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await h.page
    .locator('.harness-page > *')
    .first()
    .screenshot({ path: path.join(SCREENSHOTS, name) });
}

function panelPayload(data, extra = {}) {
  // Every replayed series carries this run's `run` label; leave it out of the series identity.
  const { options, ...rest } = extra;
  return {
    width: 1200,
    height: 440,
    from: data.replay.startMs,
    to: data.replay.endMs,
    matrices: data.matrices,
    options: { ignoreLabels: 'run', ...options },
    ...rest,
  };
}

async function replay(runId, hosts, length) {
  const r = await replayIntoPrometheus({ promUrl: PROM, runId, hosts, length });
  const matrices = await queryRun({ promUrl: PROM, runId, ...r });
  return { replay: r, matrices };
}

before(async () => {
  assert.ok(await prometheusReady(PROM), `Prometheus is not ready at ${PROM}: start it with "npm run services:up"`);
  single = await replay(`${RUN}-single`, ['web-1'], 600);
  fleet = await replay(
    `${RUN}-fleet`,
    Array.from({ length: 10 }, (_, i) => `web-${i + 1}`),
    400
  );
  maint = await replay(`${RUN}-maint`, ['web-2'], 360);
  h = await openHarness({ width: 1260, height: 560 });
});

after(async () => {
  await h?.close();
});

describe('overlay panel on detector output from Prometheus', () => {
  it('reads all six output series back from Prometheus', () => {
    const names = single.matrices.map((m) => m.result[0]?.metric.__name__);
    assert.deepEqual(names, [
      'anomalylens_observed',
      'anomalylens_expected',
      'anomalylens_expected_lower',
      'anomalylens_expected_upper',
      'anomalylens_score',
      'anomalylens_anomalous',
    ]);
    assert.equal(single.matrices[0].result[0].metric.host, 'web-1');
    assert.equal(single.matrices[0].result[0].metric.metric, 'cpu_utilization');
  });

  it('shades anomaly regions exactly over the anomalous x-ranges', async () => {
    const anomalous = seriesByTime(single.matrices[5]);
    const score = seriesByTime(single.matrices[4]);
    const regions = expectedRegions(anomalous, score, single.replay.stepMs);
    assert.ok(regions.length >= 1, 'the detector flagged none of the injected anomalies: nothing to check');

    await h.render('overlay-panel', panelPayload(single, { title: 'cpu_utilization · web-1' }));
    assert.deepEqual(h.errors.map(String), []);
    const { inside, outside } = await probe(h, { regions });
    for (const [i, r] of regions.entries()) {
      const rgb = parseColor(
        await h.page.evaluate((n) => window.harness.color(n), SEVERITY_PALETTE[severityName(r.peak)])
      );
      const tinted = inside[i].filter((p) => isTinted(p, rgb, REGION_ALPHA)).length;
      assert.ok(
        tinted / inside[i].length >= 0.75,
        `region ${i} (${new Date(r.start).toISOString()}): ${tinted}/${inside[i].length} pixels tinted ${JSON.stringify(inside[i])}`
      );
    }
    const severityRgbs = await Promise.all(
      Object.values(SEVERITY_PALETTE).map(async (n) =>
        parseColor(await h.page.evaluate((c) => window.harness.color(c), n))
      )
    );
    const stray = outside.filter((p) => severityRgbs.some((rgb) => isTinted(p, rgb, REGION_ALPHA)));
    assert.ok(outside.length > 50, 'too few pixels outside the regions to check');
    assert.deepEqual(stray, [], 'region color outside every anomalous range');
  });

  it('colors anomaly points by severity', async () => {
    const observed = seriesByTime(single.matrices[0]);
    const score = seriesByTime(single.matrices[4]);
    // Worse severities are drawn on top: check the peak of each run of scores ≥ 1.
    const times = [...score.keys()].sort((a, b) => a - b);
    const runPeaks = [];
    let peak;
    for (const [i, t] of times.entries()) {
      if (score.get(t) >= 1) {
        peak = peak === undefined || score.get(t) > score.get(peak) ? t : peak;
        if (!(score.get(times[i + 1]) >= 1)) {
          runPeaks.push(peak);
          peak = undefined;
        }
      }
    }
    assert.ok(runPeaks.length >= 1, 'no sample scored ≥ 1');
    const { extra } = await probe(h, { regions: [], extraXs: runPeaks.map((t) => [t, observed.get(t)]) });
    for (const [i, t] of runPeaks.entries()) {
      const want = parseColor(
        await h.page.evaluate((n) => window.harness.color(n), SEVERITY_PALETTE[severityName(score.get(t))])
      );
      assert.ok(isTinted(extra[i], want, 1, 30), `point at ${new Date(t).toISOString()}: ${extra[i]} is not ${want}`);
    }
  });

  it('shows value, expected range, score and state in the tooltip', async () => {
    const observed = seriesByTime(single.matrices[0]);
    const score = seriesByTime(single.matrices[4]);
    const peak = [...score.entries()].sort((a, b) => b[1] - a[1])[0][0];
    await hover(h, peak, observed.get(peak));
    const tooltip = h.page.getByTestId('data-testid al-overlay-tooltip');
    await tooltip.waitFor();
    const text = await tooltip.innerText();
    // The cursor snaps to the nearest sample: check the tooltip against the sample it names.
    const shown = Date.parse(`${/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/m.exec(text)[1].replace(' ', 'T')}Z`);
    assert.ok(Math.abs(shown - peak) <= 2 * single.replay.stepMs, `tooltip at ${new Date(shown).toISOString()}`);
    const lower = seriesByTime(single.matrices[2]).get(shown);
    const upper = seriesByTime(single.matrices[3]).get(shown);
    const flag = seriesByTime(single.matrices[5]).get(shown);
    // Grafana picks the decimals (a whole 100 shows as "100"): compare the number, not its digits.
    const value = Number(/Value\s+(-?[\d.,]+)/.exec(text)?.[1].replace(/,/g, ''));
    assert.ok(Math.abs(value - observed.get(shown)) < 0.05, `tooltip value ${value} vs ${observed.get(shown)}`);
    assert.match(text, new RegExp(`Expected\\s+${lower.toFixed(1)}\\s+–\\s+${upper.toFixed(1)}`));
    assert.match(text, new RegExp(`Score\\s+${score.get(shown).toFixed(2)}`));
    assert.match(text, flag >= 0.5 ? /State\s+Anomalous/ : /State\s+Normal/);
    await screenshot(h, 'overlay-panel.png');
  });

  it('limits band and regions to the hovered series when many series are shown', async () => {
    const anomalous = fleet.matrices[5].result;
    const score = fleet.matrices[4];
    const perHost = anomalous.map((s) => {
      const host = s.metric.host;
      const a = seriesByTime({ result: [s] });
      const sc = seriesByTime(score, (m) => m.host === host);
      return { host, regions: expectedRegions(a, sc, fleet.replay.stepMs) };
    });
    const target = perHost.filter((p) => p.regions.length > 0).sort((a, b) => b.regions.length - a.regions.length)[0];
    assert.ok(target, 'no host of the fleet has an anomaly region');
    await h.page.mouse.move(1, 1);
    await h.render('overlay-panel', panelPayload(fleet, { title: 'cpu_utilization · 10 hosts' }));

    const before = await probe(h, { regions: target.regions });
    const colors = await Promise.all(
      Object.values(SEVERITY_PALETTE).map(async (n) =>
        parseColor(await h.page.evaluate((c) => window.harness.color(c), n))
      )
    );
    const tintedCount = (pixels) => pixels.filter((p) => colors.some((rgb) => isTinted(p, rgb, REGION_ALPHA))).length;
    assert.equal(tintedCount(before.inside.flat()), 0, 'regions drawn for a series nobody hovered');

    // Hover the target where its line is farthest from every other host's line.
    const obs = fleet.matrices[0].result;
    const mine = seriesByTime({ result: obs.filter((s) => s.metric.host === target.host) });
    const others = obs.filter((s) => s.metric.host !== target.host).map((s) => seriesByTime({ result: [s] }));
    const r0 = target.regions[0];
    let best = r0.start;
    let bestGap = -1;
    for (const t of mine.keys()) {
      if (t < r0.start - 30 * 60_000 || t > r0.end + 30 * 60_000) {
        continue;
      }
      const gap = Math.min(...others.map((o) => Math.abs((o.get(t) ?? Infinity) - mine.get(t))));
      if (gap > bestGap) {
        bestGap = gap;
        best = t;
      }
    }
    await hover(h, best, mine.get(best));
    const afterHover = await probe(h, { regions: target.regions });
    const inside = measurable(afterHover.inside);
    assert.ok(tintedCount(inside) / inside.length >= 0.75, `hovered ${target.host}: regions not drawn`);
    await screenshot(h, 'overlay-panel-many-series.png');
  });

  it('keeps a series picked in the legend in focus', async () => {
    await h.page.mouse.move(1, 1);
    await h.render('overlay-panel', panelPayload(fleet, { title: 'cpu_utilization · 10 hosts' }));
    const items = h.page.getByTestId('data-testid al-overlay-legend-item');
    assert.equal(await items.count(), 10);
    const regionsOf = (host) =>
      expectedRegions(
        seriesByTime({ result: fleet.matrices[5].result.filter((s) => s.metric.host === host) }),
        seriesByTime(fleet.matrices[4], (m) => m.host === host),
        fleet.replay.stepMs
      );
    // The host whose regions span the most time: one-step regions are 2–3 pixels wide here.
    const span = (host) => regionsOf(host).reduce((sum, r) => sum + (r.end - r.start), 0);
    const host = fleet.matrices[5].result.map((s) => s.metric.host).sort((a, b) => span(b) - span(a))[0];
    assert.ok(host && span(host) > 0, 'no host of the fleet has an anomaly region');
    const picked = items.filter({ hasText: `host="${host}"` }).first();
    assert.match(await picked.innerText(), /anomal/, `legend item of ${host} carries the anomaly badge`);
    await picked.locator('button').click();
    await h.page.mouse.move(1, 1);
    await settle(h);
    assert.equal(await picked.locator('button').getAttribute('aria-pressed'), 'true');
    const regions = regionsOf(host);
    const { inside } = await probe(h, { regions });
    const colors = await Promise.all(
      Object.values(SEVERITY_PALETTE).map(async (n) =>
        parseColor(await h.page.evaluate((c) => window.harness.color(c), n))
      )
    );
    const px = measurable(inside);
    const tinted = px.filter((p) => colors.some((rgb) => isTinted(p, rgb, REGION_ALPHA))).length;
    assert.ok(tinted / px.length >= 0.75, `selected ${host}: ${tinted}/${px.length} region pixels tinted`);
  });

  it('hatches a maintenance window, read with the provisioned query', async () => {
    const runId = `${RUN}-maint`;
    const { startMs, endMs, stepMs, generated } = maint.replay;
    // An hour in maintenance: the detector writes the flag and scores none of those points.
    const windowTimes = Array.from(generated[0].timestamps.slice(200, 260));
    const windowEnd = windowTimes[windowTimes.length - 1];
    await writeMaintenanceFlag({
      promUrl: PROM,
      runId,
      labels: { host: 'web-2', metric: 'cpu_utilization' },
      times: windowTimes,
    });
    const matrices = withoutScores(
      await queryRun({ promUrl: PROM, runId, ...maint.replay }),
      windowTimes[0],
      windowEnd
    );
    const selector = '{metric=~"$metric", host=~"$host"}';
    const query = provisionedMaintenanceQuery().split(selector).join(`{run="${runId}"}`);
    const flagged = await queryRange({ promUrl: PROM, query, startMs, endMs, stepMs });
    const bare = await queryRange({
      promUrl: PROM,
      query: `anomalylens_maintenance{run="${runId}"}`,
      startMs,
      endMs,
      stepMs,
    });
    // Without the guard the last flag answers for Prometheus's 5-minute lookback after the window.
    assert.ok(seriesByTime(bare).size > windowTimes.length, 'the bare flag should outlast the window');
    assert.deepEqual([...seriesByTime(flagged).keys()], windowTimes, 'the provisioned query flags exactly the window');

    await h.page.mouse.move(1, 1);
    await h.render(
      'overlay-panel',
      panelPayload(
        { replay: maint.replay, matrices: [...matrices, flagged] },
        { title: 'cpu_utilization · web-2, maintenance 1 h' }
      )
    );
    assert.deepEqual(h.errors.map(String), []);
    const notice = h.page.getByTestId('data-testid al-overlay-maintenance');
    assert.equal(await notice.getAttribute('data-windows'), '1');
    assert.match(await notice.innerText(), /Maintenance, not scored: \d\d:\d\d–\d\d:\d\d/);

    const gray = parseColor(await h.page.evaluate(() => window.harness.secondaryText()));
    const { inside, outside } = await h.page.evaluate(
      ({ start, end }) => {
        const u = window.overlayPlot;
        const { left, top, width } = u.bbox;
        const y = Math.round(top + 3);
        const x0 = u.valToPos(start, 'x', true);
        const x1 = u.valToPos(end, 'x', true);
        const row = Array.from(u.ctx.getImageData(left, y, width, 1).data);
        const inside = [];
        const outside = [];
        for (let i = 0; i < width; i++) {
          const x = left + i;
          const px = row.slice(i * 4, i * 4 + 4);
          if (x > x0 + 2 && x < x1 - 2) {
            inside.push(px);
          } else if (x < x0 - 3 || x > x1 + 3) {
            outside.push(px);
          }
        }
        return { inside, outside };
      },
      { start: windowTimes[0], end: windowTimes[windowTimes.length - 1] + stepMs }
    );
    const near = ([r, g, b]) =>
      Math.abs(r - gray[0]) <= 40 && Math.abs(g - gray[1]) <= 40 && Math.abs(b - gray[2]) <= 40;
    const shaded = (px) => px[3] >= 10 && near(px);
    const line = (px) => px[3] >= 60 && near(px);
    const share = (list, test) => list.filter(test).length / list.length;
    assert.ok(inside.length > 50 && outside.length > 200, 'too few pixels to check');
    assert.ok(share(inside, shaded) >= 0.9, `window tinted: ${share(inside, shaded)}`);
    // Hatched, not a flat fill: the 8 px diagonal lines cross the row every 8 px or so.
    assert.ok(share(inside, line) >= 0.05 && share(inside, line) <= 0.5, `hatch lines: ${share(inside, line)}`);
    // Outside, only the grid's 1 px vertical lines share the gray.
    assert.ok(share(outside, shaded) <= 0.05, `gray outside the window: ${share(outside, shaded)}`);
    await screenshot(h, 'overlay-panel-maintenance.png');
  });

  it('says so when the query returns nothing', async () => {
    const empty = await queryRun({ promUrl: PROM, runId: `${RUN}-nothing`, ...single.replay });
    await h.render(
      'overlay-panel',
      panelPayload({ replay: single.replay, matrices: empty }, { title: 'No data', height: 220 })
    );
    const text = await h.page.getByTestId('data-testid al-overlay-no-data').innerText();
    assert.match(text, /No data/);
    assert.match(text, /anomalylens_observed/);
  });

  it('flags partial data when the expected range and flag are missing', async () => {
    const partial = [single.matrices[0], single.matrices[4]];
    await h.render(
      'overlay-panel',
      panelPayload({ replay: single.replay, matrices: partial }, { title: 'Partial data' })
    );
    const text = await h.page.getByTestId('data-testid al-overlay-partial-data').innerText();
    assert.match(text, /no expected range/);
    assert.match(text, /no anomaly flag/);
    assert.deepEqual(h.errors.map(String), []);
  });

  it('renders in the light theme', async () => {
    await h.render('overlay-panel', panelPayload(single, { title: 'cpu_utilization · web-1 (light theme)' }), 'light');
    await screenshot(h, 'overlay-panel-light.png');
    assert.deepEqual(h.errors.map(String), []);
  });
});
