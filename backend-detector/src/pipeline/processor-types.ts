/** The processor's inputs, outputs and per-series record (pipeline/processor.ts). */
import type { SeasonalSettings } from '../model/config';
import type { MetricPoint } from '../ingest/types';
import type { RateSkip } from '../ingest/rates';
import type { SeriesDetector } from '../model/types';
import type { IngestLimits } from '../ingest/limits';
import type { InvalidReason } from '../ingest/types';
import type { PolicyHolder } from '../policy/series-policies';
import type { PolicySnapshot } from '../policy/snapshot';
import type { PartitionKey } from './partition-key';
import type { LabelSetRecord } from '../sink/encode';
import type { AckTarget } from '../sink/sink';

export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka record timestamp, epoch ms. */
  timestamp: number;
  headers?: Record<string, unknown>;
}

export interface DeadLetter {
  message: RawMessage;
  reason: InvalidReason;
  detail: string;
}

/** Where scored samples go (the remote-write sink). */
export interface SampleSink {
  /** Queue `values[i]` of the output series `outputs[i]` at `timestamp`, NaN entries skipped. */
  addPoint(
    shard: number,
    outputs: readonly LabelSetRecord[],
    values: Float64Array,
    timestamp: number,
    ticket: AckTarget
  ): void;
}

/** Why a decoded point was not scored. */
export type DropReason = 'series_limit' | 'out_of_order' | 'detector_error' | RateSkip;

export interface ProcessorHooks {
  pointScored?(point: MetricPoint, isAnomaly: boolean): void;
  /** A point the policy keeps from the detector: its series is ignored, or it is in maintenance. */
  pointUnscored?(reason: 'ignored' | 'maintenance'): void;
  anomalyOpened?(point: MetricPoint): void;
  pointDropped?(reason: DropReason, point?: MetricPoint): void;
  /** A detector threw: the point is dropped and the series starts over with a fresh one. */
  detectorFailed?(key: string, error: unknown): void;
  seriesCreated?(key: string): void;
  /** The series' model was (re)fitted `n` times during the last update. */
  modelFitted?(n: number): void;
}

export interface ProcessorOptions {
  /** A fresh detector for a series, with the seasonality its policy chose (default: the detector's). */
  createDetector: (seriesKey: string, model?: SeasonalSettings) => SeriesDetector;
  /** The detection policy in force (default: none); read once per batch. */
  policy?: () => PolicySnapshot;
  maxMessageBytes: number;
  /**
   * Timestamp window (on this processor's clock) and label limits. Without them the label
   * limits default and the window is not checked (tests with fixed timestamps).
   */
  ingestLimits?: IngestLimits;
  maxSeries: number;
  shards: number;
  /** Static labels added to every output series (input labels take precedence). */
  outputLabels?: Readonly<Record<string, string>>;
  /** collectd sends counters as rates already (write_kafka StoreRates, its default). */
  collectdStoreRates?: boolean;
}

export interface SeriesState extends PolicyHolder {
  detector: SeriesDetector;
  metric: string;
  labels: Record<string, string>;
  /** The six output series (OUTPUT_NAMES order), encoded once. */
  outputs: LabelSetRecord[];
  /** anomalylens_maintenance of the series, made at its first maintenance point. */
  maintenanceOutput?: LabelSetRecord;
  shard: number;
  /** The partition the series first arrived on: its checkpoints belong to that partition. */
  source: PartitionKey;
  lastTimestamp: number;
  lastSeen: number;
  anomalous: boolean;
  fits: number;
  /** Changed since its last checkpoint. */
  dirty: boolean;
  /** Its current forest is in the models topic (a refit or a failed write clears this). */
  forestSaved: boolean;
  /**
   * Restored from a checkpoint taken at this source offset: re-delivered points up to it are
   * already in the model (and were acknowledged before the checkpoint was written), so they
   * are passed over.
   */
  skipThrough?: bigint;
}

/** What a message's samples are acknowledged to (its batch's ticket). */
export type BatchTicket = AckTarget & { expect(n: number): void };

/** A series' place in the input, for checkpoints. */
export interface Position {
  topic: string;
  partition: number;
  offset: string;
}
