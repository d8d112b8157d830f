// Drives the harness page in Debian's Chromium through playwright-core. Never downloads a
// browser: CHROMIUM_PATH or /usr/bin/chromium (apt-get install chromium) must exist.
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { buildHarness, HARNESS_DIST } from './build.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};
/**
 * @grafana/ui's Icon fetches its SVGs from Grafana's server at this path (no
 * __grafana_public_path__ outside Grafana); the package ships the same files. Without them every
 * icon renders empty, and an icon-only button (an incident row's toggle) has no size at all.
 */
const ICONS_URL = '/public/build/img/icons/';
const ICONS_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@grafana/ui/package.json')),
  'dist/public/img/icons'
);

function serveDir(dir) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [root, rel] = url.pathname.startsWith(ICONS_URL)
      ? [ICONS_DIR, url.pathname.slice(ICONS_URL.length)]
      : [dir, url.pathname === '/' ? 'index.html' : url.pathname.slice(1)];
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Builds the harness, serves it on loopback and opens it in a fresh headless Chromium profile.
 * Returns { page, render(name, payload, theme), screenshot(file), close() }.
 */
export async function openHarness({ width = 1200, height = 800, build = true } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium"`);
  }
  if (build) {
    await buildHarness({ quiet: true });
  }
  const server = await serveDir(HARNESS_DIST);
  const { port } = server.address();
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'al-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`http://127.0.0.1:${port}/index.html`);
  await page.waitForFunction(() => document.body.dataset.harnessReady === 'true');
  return {
    page,
    errors,
    render: (name, payload, theme = 'dark') =>
      page.evaluate(([n, p, t]) => window.harness.render(n, p, t), [name, payload, theme]),
    close: async () => {
      await context.close();
      await new Promise((resolve) => server.close(resolve));
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
