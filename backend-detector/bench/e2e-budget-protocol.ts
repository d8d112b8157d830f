/**
 * Messages between the end-to-end budget bench (parent: producer, ceiling, report) and the
 * detector it measures (child process, so its RSS is the detector's alone).
 */

/** Parent → child. */
export type ToDetector =
  /** The backlog is in Kafka: `warmPoints` warm the series, the rest are measured. */
  | { type: 'backlog'; totalPoints: number; warmPoints: number }
  /** Live, paced points start now: samples stamped at or after `sinceMs` are timed. */
  | { type: 'live'; sinceMs: number }
  /** The live producer is done after `points` points. */
  | { type: 'liveDone'; points: number }
  | { type: 'stop' };

export interface RssReading {
  rssBytes: number;
  heapUsedBytes: number;
  /** V8 heap committed (used + free space V8 keeps). */
  heapTotalBytes: number;
  /** Typed-array and Buffer memory (outside the JS heap). */
  arrayBuffersBytes: number;
}

export interface CheckpointTotals {
  /** ANOMALYLENS_CHECKPOINT_INTERVAL_MS the detector ran with (0: off). */
  intervalMs: number;
  count: number;
  meanSeconds: number;
  /** Upper bound of the longest (the histogram bucket that holds them all). */
  longestAtMostSeconds: number;
  bytes: number;
}

/** Child → parent. */
export type FromDetector =
  /** Joined the group, nothing consumed yet (GC'd baseline). */
  | ({ type: 'ready' } & RssReading)
  | { type: 'progress'; scored: number; pending: number }
  /**
   * Steady-state window: from the moment the backlog was fully produced and the warm-up
   * points were scored, until every point was scored and its samples acknowledged.
   */
  | {
      type: 'throughput';
      windowPoints: number;
      windowSeconds: number;
      totalSeconds: number;
      /** Share of the window consumption was paused on a full sink. */
      backpressureShare: number;
      /** Mean duration of the window's remote-write requests (s). */
      meanWriteSeconds: number;
      /** The detector process's CPU time (user + system) per window point (µs). */
      cpuMicrosPerPoint: number;
    }
  /** After the backlog (every series active and warmed), GC'd. */
  | ({ type: 'rss'; activeSeries: number } & RssReading)
  | {
      type: 'latency';
      p50Ms: number;
      p99Ms: number;
      maxMs: number;
      samples: number;
      /** The detector process's CPU time per live point (µs). */
      cpuMicrosPerPoint: number;
      /** Model-state checkpoints over the whole run. */
      checkpoints: CheckpointTotals;
      /** Of those, the ones that finished during the live phase (no refits there). */
      liveCheckpoints: { count: number; bytes: number; states: number };
    }
  | { type: 'failed'; error: string };
