// Bundles the browser harness: the real panel (and app pages) with the real @grafana/ui and
// theme, for Chromium driven by playwright-core. Grafana provides react and @grafana/* at
// runtime; the harness bundles them instead.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const HARNESS_DIST = path.join(here, 'dist');

export async function buildHarness({ quiet = false } = {}) {
  await mkdir(HARNESS_DIST, { recursive: true });
  const result = await build({
    entryPoints: { harness: path.join(here, 'src', 'index.tsx') },
    bundle: true,
    outdir: HARNESS_DIST,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    minify: process.env.HARNESS_MINIFY !== '0',
    sourcemap: false,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl' },
    logLevel: quiet ? 'error' : 'warning',
  });
  await copyFile(path.join(here, 'index.html'), path.join(HARNESS_DIST, 'index.html'));
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  await buildHarness();
  console.log(`harness built in ${Date.now() - t0} ms → ${HARNESS_DIST}`);
}
