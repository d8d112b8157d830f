import type { Logger } from 'pino';
import type { DetectorMetrics } from '../health/metrics';
import { settlesWithin, type Clock } from './clock';
import {
  decodeCheckpoint,
  forestKey,
  joinForest,
  parseCheckpointKey,
  type DetectorStateCodec,
} from './model-records';
import type { ModelStore } from './model-store';
import { partitionKey, type PartitionKey, type TopicPartition } from './partition-key';
import type { Processor } from './processor';

/** How often a batch waiting for its partition's states heartbeats to its group. */
const HEARTBEAT_WHILE_LOADING_MS = 1000;

export interface CheckpointRestorerDeps {
  codec: DetectorStateCodec;
  store: Pick<ModelStore, 'load'>;
  processor: Pick<Processor, 'restoreSeries'>;
  /** The generation now; a load of an older one is dropped. */
  generation: () => number;
  /** Series were restored (the active-series gauge follows). */
  seriesRestored: () => void;
  clock: Clock;
  metrics: Pick<DetectorMetrics, 'statesRestored' | 'restoreDuration'>;
  logger: Logger;
}

/**
 * Series of a newly assigned partition continue from their saved states, never from a fresh
 * model: the states of a join's partitions are loaded at once, and each partition's first
 * batch waits for them.
 */
export class CheckpointRestorer {
  private readonly loads = new Map<PartitionKey, Promise<void>>();
  /** Loads not finished yet (a stop waits for them before closing the clients they use). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly d: CheckpointRestorerDeps) {}

  /** Start loading the saved states of a new generation's partitions. */
  start(partitions: TopicPartition[], generation: number): void {
    this.loads.clear();
    const loading = this.tracked(partitions, generation);
    // Failures are reported where the batches wait on it.
    loading.catch(() => undefined);
    for (const tp of partitions) this.loads.set(partitionKey(tp.topic, tp.partition), loading);
  }

  /**
   * Resolves once the partition's states are loaded, heartbeating meanwhile. A failed load
   * fails the batch (kafkajs retries it, and the load is tried again): scoring without the
   * states would re-send different samples for re-read points.
   */
  async ready(topic: string, partition: number, heartbeat: () => Promise<void>): Promise<void> {
    const key = partitionKey(topic, partition);
    let loading = this.loads.get(key);
    if (!loading) {
      // A partition the join event did not list (should not happen): load it now.
      loading = this.tracked([{ topic, partition }], this.d.generation());
      this.loads.set(key, loading);
    }
    for (;;) {
      let settled = false;
      try {
        settled = await settlesWithin(loading, HEARTBEAT_WHILE_LOADING_MS, this.d.clock);
      } catch (e) {
        this.loads.delete(key);
        this.d.logger.error({ err: e, topic, partition }, 'loading model states failed; retrying');
        throw e;
      }
      if (settled) return;
      await heartbeat().catch(() => undefined);
    }
  }

  /** Resolves once no load is running (whatever their outcome). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private tracked(partitions: TopicPartition[], generation: number): Promise<void> {
    const loading = this.load(partitions, generation);
    this.inFlight.add(loading);
    const done = () => void this.inFlight.delete(loading);
    loading.then(done, done);
    return loading;
  }

  private async load(partitions: TopicPartition[], generation: number): Promise<void> {
    const { store, codec, processor, metrics, logger, clock } = this.d;
    const t0 = clock.now();
    const records = await store.load(partitions);
    if (generation !== this.d.generation()) return;
    let restored = 0;
    let incompatible = 0;
    const reasons = new Set<string>();
    for (const [key, value] of records) {
      const parsed = parseCheckpointKey(key);
      if (parsed?.kind !== 'state') continue;
      try {
        const cp = decodeCheckpoint(value);
        const forest = records.get(forestKey(parsed.topic, parsed.partition, parsed.seriesKey));
        const bytes = joinForest(cp, forest);
        processor.restoreSeries(cp, (model) => codec.decode(bytes, model));
        restored++;
      } catch (e) {
        // A state this detector cannot read (another version, another detector config,
        // damage, a forest that is not its own) is never half-used: the series starts over
        // with a fresh model.
        incompatible++;
        reasons.add((e as Error).message);
        logger.debug({ err: e, key: key.replace(/[\u0000\u0001]/g, ' ') }, 'model state not restorable');
      }
    }
    metrics.statesRestored.inc({ result: 'restored' }, restored);
    if (incompatible > 0) metrics.statesRestored.inc({ result: 'incompatible' }, incompatible);
    metrics.restoreDuration.observe((clock.now() - t0) / 1000);
    this.d.seriesRestored();
    const log = { partitions, restored, ms: clock.now() - t0 };
    if (incompatible > 0)
      logger.warn(
        { ...log, incompatible, reasons: [...reasons].slice(0, 3) },
        'restored model states; some could not be read and start over with a fresh model'
      );
    else logger.info(log, 'restored model states');
  }
}
