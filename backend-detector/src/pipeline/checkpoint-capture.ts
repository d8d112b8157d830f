import {
  CHECKPOINT_FRAMING_VERSION,
  CHECKPOINT_HEADERS,
  checkpointKey,
  encodeCheckpoint,
  encodeForestRecord,
  forestKey,
  type DetectorStateCodec,
  type SeriesCheckpoint,
} from './model-records';
import type { StateRecord } from './model-store';
import type { Processor } from './processor';

/** States taken in one go, all as of one offset of the partition. */
export interface CheckpointSlice {
  /** The partition's last processed offset when the slice was taken. */
  offset: bigint;
  records: StateRecord[];
  bytes: number;
}

/**
 * One partition's checkpoint, taken a slice at a time between its batches. Each slice's
 * states are as of the partition's last processed offset when the slice was taken, so the
 * checkpoint can commit after the first slice's offset (every state holds at least that
 * much) once every slice is written; a slice may be written once the sink has acknowledged
 * through its offset (its states hold no point the sink has not).
 */
export class CheckpointCapture {
  private first?: bigint;
  private cursor?: Iterator<SeriesCheckpoint>;
  private finished = false;
  /** Offset of the slice being taken, read by the cursor for each state. */
  private sliceOffset = '';

  constructor(
    private readonly codec: DetectorStateCodec,
    private readonly topic: string,
    private readonly partition: number
  ) {}

  /** Every changed series has been taken. */
  get done(): boolean {
    return this.finished;
  }

  /** Offset of the first slice: the checkpoint commits the one after it. */
  get firstOffset(): bigint {
    if (this.first === undefined) throw new Error('CheckpointCapture: nothing taken yet');
    return this.first;
  }

  /** Tombstones for series the processor forgot (idle): their state and forest records. */
  tombstones(seriesKeys: string[]): StateRecord[] {
    return seriesKeys.flatMap((seriesKey) =>
      [checkpointKey, forestKey].map((key) => ({
        key: key(this.topic, this.partition, seriesKey),
        value: null,
        sourcePartition: this.partition,
      }))
    );
  }

  /**
   * Take changed series' states until `deadline` (epoch ms; at least one) or until none are
   * left, as of `next - 1`, the partition's last processed offset; call between two of its
   * batches.
   */
  take(
    processor: Pick<Processor, 'takeCheckpoints'>,
    next: bigint,
    deadline: number,
    now: () => number = Date.now
  ): CheckpointSlice {
    const offset = next - 1n;
    this.first ??= offset;
    this.sliceOffset = offset.toString();
    const headers = {
      [CHECKPOINT_HEADERS.framing]: String(CHECKPOINT_FRAMING_VERSION),
      [CHECKPOINT_HEADERS.stateVersion]: String(this.codec.version),
      [CHECKPOINT_HEADERS.config]: this.codec.fingerprint,
      [CHECKPOINT_HEADERS.sourceOffset]: this.sliceOffset,
    };
    // One cursor walks the processor's series across all slices. Each state is made into
    // records (copies) below before the cursor encodes the next, so a transient encoding will do.
    const { codec } = this;
    this.cursor ??= processor.takeCheckpoints(this.topic, this.partition, () => this.sliceOffset, {
      encode: (d) => (codec.encodeTransient ? codec.encodeTransient(d) : codec.encode(d)),
      forestBytes: (d) => codec.forestBytes(d),
    });
    const slice: CheckpointSlice = { offset, records: [], bytes: 0 };
    do {
      const step = this.cursor.next();
      if (step.done) {
        this.finished = true;
        break;
      }
      const cp = step.value;
      // The forest first: a state record never lands before the forest it needs.
      if (cp.forestChanged && cp.forestBytes) {
        const forest = encodeForestRecord(cp);
        slice.records.push({
          key: forestKey(this.topic, this.partition, cp.seriesKey),
          value: forest,
          headers,
          sourcePartition: this.partition,
        });
        slice.bytes += forest.length;
      }
      const value = encodeCheckpoint(cp);
      slice.records.push({
        key: checkpointKey(this.topic, this.partition, cp.seriesKey),
        value,
        headers,
        sourcePartition: this.partition,
      });
      slice.bytes += value.length;
    } while (now() < deadline);
    return slice;
  }
}
