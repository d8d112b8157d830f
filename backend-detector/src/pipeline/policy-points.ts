/**
 * What the processor does differently for a series because of the detection policy:
 * points inside a maintenance window, and a series meeting a newer policy.
 */
import type { MetricPoint } from '../ingest/types';
import type { SeriesPolicy } from '../policy/resolve';
import { modelChanged } from '../policy/resolve';
import { policyLabels } from '../policy/series-policies';
import type { PolicySnapshot } from '../policy/snapshot';
import { labelSetRecord, type LabelSetRecord } from '../sink/encode';
import {
  fillOutputValues,
  MAINTENANCE_NAME,
  outputValueScratch,
  renamedLabelSet,
} from '../sink/output-series';
import type {
  BatchTicket,
  ProcessorHooks,
  ProcessorOptions,
  SampleSink,
  SeriesState,
} from './processor-types';

const values = outputValueScratch();
const maintenanceFlag = new Float64Array(1);

/** The series' `anomalylens_maintenance` output, made (and encoded) once. */
export function maintenanceOutput(st: SeriesState): LabelSetRecord {
  return (st.maintenanceOutput ??= labelSetRecord(renamedLabelSet(st.outputs[0].labels, MAINTENANCE_NAME)));
}

/**
 * A point inside a maintenance window: the detector is not fed (what it learned stays as it
 * was before the window); the observed value, the expected range it had, `anomalous` 0 and
 * `anomalylens_maintenance` 1 are written, and no score.
 */
export function maintenancePoint(
  sink: SampleSink,
  st: SeriesState,
  p: MetricPoint,
  ticket: BatchTicket,
  hooks: ProcessorHooks
): void {
  fillOutputValues(st.detector.gap(p.timestamp), values);
  values[0] = p.value;
  values[1] = NaN;
  values[2] = 0;
  let n = 1;
  for (const v of values) if (!Number.isNaN(v)) n++;
  ticket.expect(n);
  sink.addPoint(st.shard, st.outputs, values, p.timestamp, ticket);
  maintenanceSample(sink, st, 1, p.timestamp, ticket);
  // `st.anomalous` stays: an event open before the window is the same event after it, not a
  // new one to count in anomalies_total.
  st.inMaintenance = true;
  hooks.pointUnscored?.('maintenance');
}

/**
 * `anomalylens_maintenance` of the series: 1 for a point inside a window, 0 once at the first
 * point after one, which ends its shading (remote write has no staleness markers). The
 * caller counted the sample in its ticket.
 */
export function maintenanceSample(
  sink: SampleSink,
  st: SeriesState,
  flag: 0 | 1,
  timestamp: number,
  ticket: BatchTicket
): void {
  maintenanceFlag[0] = flag;
  sink.addPoint(st.shard, [maintenanceOutput(st)], maintenanceFlag, timestamp, ticket);
}

/**
 * Bring a series to a newer policy: keep its model unless its seasonality or time zone
 * changed (then it starts afresh); returns false, after `forget`, if it is ignored now.
 */
export function followPolicy(
  key: string,
  st: SeriesState,
  policy: PolicySnapshot,
  opts: Pick<ProcessorOptions, 'createDetector' | 'outputLabels'>,
  forget: () => void
): boolean {
  const sp: SeriesPolicy = policy.resolve(policyLabels(st.metric, st.labels, opts.outputLabels));
  if (sp.ignore) {
    forget();
    return false;
  }
  if (modelChanged(st.policy, sp)) {
    st.detector = opts.createDetector(key, sp.model);
    st.fits = 0;
    st.forestSaved = false;
    st.dirty = true;
  }
  st.policy = sp;
  st.policyVersion = policy.version;
  return true;
}
