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
  '.woff2': 'font/woff2',
};
const require = createRequire(import.meta.url);
const packageDir = (name) => path.dirname(require.resolve(`${name}/package.json`));
/**
 * Files a Grafana server serves at /public that @grafana/ui asks for when it runs outside
 * Grafana (no __grafana_public_path__): its Icon fetches SVGs, its global styles the Inter and
 * Roboto Mono web fonts. Without the icons an icon-only button (an incident row's toggle) has
 * no size at all; without the fonts text falls back to another face and the screenshots are
 * not Grafana's. @grafana/ui ships its icons; Inter comes from inter-ui (the same rsms files
 * Grafana ships), Roboto Mono's latin subset from @fontsource/roboto-mono.
 */
const PUBLIC_FILES = [
  { url: '/public/build/img/icons/', dir: path.join(packageDir('@grafana/ui'), 'dist/public/img/icons') },
  { url: '/public/fonts/inter/', dir: path.join(packageDir('inter-ui'), 'web') },
  {
    url: '/public/fonts/roboto/L0xTDF4xlVMF-BfR8bXMIhJHg45mwgGEFl0_3vrtSM1J-gEPT5Ese6hmHSh0mQ.woff2',
    file: path.join(packageDir('@fontsource/roboto-mono'), 'files/roboto-mono-latin-400-normal.woff2'),
  },
];

function serveDir(dir) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const served = PUBLIC_FILES.find((p) => (p.file ? url.pathname === p.url : url.pathname.startsWith(p.url)));
    const [root, rel] = served?.file
      ? [path.dirname(served.file), path.basename(served.file)]
      : served
        ? [served.dir, url.pathname.slice(served.url.length)]
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
  const origin = `http://127.0.0.1:${port}`;
  // A missing asset (an icon, a chunk) breaks the page quietly: count it as a page error.
  page.on('response', (r) => {
    if (r.status() >= 400 && r.url().startsWith(origin)) {
      errors.push(new Error(`harness server answered ${r.status()} for ${r.url().slice(origin.length)}`));
    }
  });
  page.on('requestfailed', (r) => {
    if (r.url().startsWith(origin)) {
      errors.push(new Error(`request for ${r.url().slice(origin.length)} failed: ${r.failure()?.errorText}`));
    }
  });
  await page.goto(`${origin}/index.html`);
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
