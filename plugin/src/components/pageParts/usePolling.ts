import { useCallback, useEffect, useRef, useState } from 'react';

export interface PollState<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** When the last successful load finished (epoch ms). */
  updatedAt: number | undefined;
  refresh: () => void;
}

interface Loaded<T> {
  key: string;
  tick: number;
  data?: T;
  error?: string;
  updatedAt?: number;
}

/**
 * Runs `load` on mount, whenever `key` changes, and every `intervalMs`. A run superseded by a newer
 * one is ignored, so a slow response never overwrites a fresher view; data loaded for another key
 * is not shown. The last good data stays on screen while a refresh fails.
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, key: string): PollState<T> {
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const [tick, setTick] = useState(0);
  const [loaded, setLoaded] = useState<Loaded<T> | undefined>(undefined);

  useEffect(() => {
    let current = true;
    loadRef.current().then(
      (data) => {
        if (current) {
          setLoaded({ key, tick, data, updatedAt: Date.now() });
        }
      },
      (error: unknown) => {
        if (current) {
          const message = error instanceof Error ? error.message : String(error);
          setLoaded((previous) => ({ ...(previous?.key === key ? previous : {}), key, tick, error: message }));
        }
      }
    );
    return () => {
      current = false;
    };
  }, [key, tick]);

  useEffect(() => {
    const timer = window.setInterval(() => setTick((t) => t + 1), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  const sameKey = loaded?.key === key;
  return {
    data: sameKey ? loaded?.data : undefined,
    error: sameKey ? loaded?.error : undefined,
    loading: !sameKey || loaded?.tick !== tick,
    updatedAt: sameKey ? loaded?.updatedAt : undefined,
    refresh,
  };
}
