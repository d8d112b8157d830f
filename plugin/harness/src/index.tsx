import React from 'react';
import { flushSync } from 'react-dom';
import { createRoot, Root } from 'react-dom/client';
import { createTheme } from '@grafana/data';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
import { getPage, pageNames, stashed } from './registry';
// Each page registers itself; add new harness pages here.
import './pages/overlayPanel';
import './pages/appPages';

interface HarnessApi {
  pages: () => string[];
  /**
   * Renders a page; resolves with the render time in ms (React commit plus the chart's first draw,
   * which uPlot runs in a microtask) after the next two frames were painted.
   */
  render: (name: string, payload: unknown, theme?: 'dark' | 'light') => Promise<number>;
  /** A Grafana palette color (e.g. "red") resolved by the theme, as the panel draws it. */
  color: (name: string, theme?: 'dark' | 'light') => string;
  /** The theme's secondary text color (maintenance hatching is drawn in it). */
  secondaryText: (theme?: 'dark' | 'light') => string;
  /** Keeps a large value in the page so repeated renders need not ship it again. */
  stash: (key: string, value: unknown) => void;
}

declare global {
  interface Window {
    harness: HarnessApi;
  }
}

let root: Root | undefined;
const setupDone = new Set<string>();

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

window.harness = {
  pages: pageNames,
  stash: (key, value) => {
    // Large values travel faster as one JSON string than as a structured evaluate() argument.
    stashed.set(key, typeof value === 'string' ? JSON.parse(value) : value);
  },
  color: (name, mode = 'dark') => createTheme({ colors: { mode } }).visualization.getColorByName(name),
  secondaryText: (mode = 'dark') => createTheme({ colors: { mode } }).colors.text.secondary,
  render: async (name, payload, mode = 'dark') => {
    const page = getPage(name);
    if (page.setup && !setupDone.has(name)) {
      await page.setup(payload);
      setupDone.add(name);
    }
    const theme = createTheme({ colors: { mode } });
    document.body.style.background = theme.colors.background.canvas;
    const props = page.prepare ? page.prepare(payload) : payload;
    const container = document.getElementById('root')!;
    root?.unmount();
    root = createRoot(container);
    const started = performance.now();
    flushSync(() =>
      root!.render(
        <ThemeContext.Provider value={theme}>
          <GlobalStyles />
          <div className="harness-page" style={{ padding: 16, background: theme.colors.background.canvas }}>
            {page.render(props)}
          </div>
        </ThemeContext.Provider>
      )
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    const elapsed = performance.now() - started;
    await nextFrame();
    await nextFrame();
    return elapsed;
  },
};
document.body.dataset.harnessReady = 'true';
