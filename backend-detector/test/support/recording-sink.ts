import type { SampleSink } from '../../src/pipeline/processor';
import type { LabelSetRecord } from '../../src/sink/encode';
import type { AckTarget } from '../../src/sink/sink';

/** One sample the processor queued, with its output series' labels as an object. */
export interface RecordedSample {
  shard: number;
  /** The output series' `__name__`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  ts: number;
  ticket: AckTarget;
}

/** A SampleSink that keeps every sample, in the order queued (NaN entries skipped, as the real sink does). */
export class RecordingSink implements SampleSink {
  readonly samples: RecordedSample[] = [];

  addPoint(
    shard: number,
    outputs: readonly LabelSetRecord[],
    values: Float64Array,
    ts: number,
    ticket: AckTarget
  ): void {
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) continue;
      const labels = Object.fromEntries(outputs[i].labels.map((l) => [l.name, l.value]));
      this.samples.push({ shard, name: labels.__name__, labels, value: values[i], ts, ticket });
    }
  }
}
