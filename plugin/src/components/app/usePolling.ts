import { DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface PollState<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** When the last successful load finished. */
  updatedAt: number | undefined;
  refresh: () => void;
}

/**
 * Runs `load` now, whenever `deps` change, and every `intervalMs` while mounted. Results of a
 * superseded run are dropped, so a slow response never overwrites a newer one. The last good data
 * stays on screen while a refresh fails.
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, deps: DependencyList): PollState<T> {
  const [state, setState] = useState<Omit<PollState<T>, 'refresh'>>({
    data: undefined,
    error: undefined,
    loading: true,
    updatedAt: undefined,
  });
  const generation = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);

  const refresh = useCallback(() => {
    const current = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    run().then(
      (data) => {
        if (current === generation.current) {
          setState({ data, error: undefined, loading: false, updatedAt: Date.now() });
        }
      },
      (error: unknown) => {
        if (current === generation.current) {
          setState((s) => ({ ...s, error: error instanceof Error ? error.message : String(error), loading: false }));
        }
      }
    );
  }, [run]);

  useEffect(() => {
    refresh();
    const timer = window.setInterval(refresh, intervalMs);
    return () => {
      window.clearInterval(timer);
      // Invalidate the run in flight: its result belongs to an unmounted or outdated view.
      generation.current++;
    };
  }, [refresh, intervalMs]);

  return { ...state, refresh };
}
