import type React from 'react';

/**
 * A page the browser harness can render. `payload` is whatever the test runner passes to
 * `window.harness.render(name, payload)` (JSON-serialisable: frames, Prometheus responses, sizes).
 * `setup` runs once before the first render, e.g. to register @grafana/runtime services.
 */
export interface HarnessPage {
  setup?: (payload: unknown) => void | Promise<void>;
  /** Turns the payload into render props before the render is timed (e.g. building frames). */
  prepare?: (payload: unknown) => unknown;
  render: (payload: unknown) => React.ReactElement;
}

const pages = new Map<string, HarnessPage>();

export function registerPage(name: string, page: HarnessPage): void {
  if (pages.has(name)) {
    throw new Error(`harness page "${name}" registered twice`);
  }
  pages.set(name, page);
}

export function getPage(name: string): HarnessPage {
  const page = pages.get(name);
  if (!page) {
    throw new Error(`unknown harness page "${name}"; known: ${[...pages.keys()].join(', ')}`);
  }
  return page;
}

export function pageNames(): string[] {
  return [...pages.keys()];
}

/** Values put aside with `window.harness.stash(key, value)`, for pages to read by key. */
export const stashed = new Map<string, unknown>();
