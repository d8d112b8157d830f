import { InvalidMessageError } from './types';

/**
 * What a decoded point may look like to be scored and written. Each limit guards the
 * remote-write sink: Prometheus rejects a whole batch (HTTP 4xx/5xx, rolled back) for one
 * sample too old for its TSDB head, and a single sample far in the future moves the head
 * forward so that every later, current sample is "too old" — one bad point would wedge the
 * pipeline. Long or numerous labels cost memory per series and make the series unusable
 * in Grafana. So such points are dead-lettered at decode, with a reason.
 */
export interface IngestLimits {
  /** Oldest accepted point, relative to the detector's clock (ms). */
  maxAgeMs: number;
  /** Newest accepted point ahead of the detector's clock (ms): agent clock skew. */
  maxFutureMs: number;
  /** Input labels per series (the detector adds `metric`, `__name__` and any static ones). */
  maxLabels: number;
  /** Characters of a label name. */
  maxLabelNameLength: number;
  /** Characters of a label value and of the metric name (which becomes the `metric` label). */
  maxLabelValueLength: number;
}

const DAY_MS = 86_400_000;

/**
 * Defaults for the provisioned Prometheus: its out_of_order_time_window is 30 days behind
 * its newest sample, which may itself be up to `maxFutureMs` ahead of now, so a day of
 * margin. 10 minutes of future skew and the label limits are Grafana Mimir's defaults
 * (creation_grace_period, max_label_names_per_series, max_label_name/value_length).
 */
export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = {
  maxAgeMs: 29 * DAY_MS,
  maxFutureMs: 10 * 60_000,
  maxLabels: 30,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
};

/** The point fields every format yields; validated once decoding is done. */
export interface PointShape {
  metric: string;
  labels: Record<string, string>;
  timestamp: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

/**
 * Checks one decoded point against the limits; throws InvalidMessageError naming the
 * point (the `index`th of `count` in its message) and the limit. `now` = the detector's
 * clock; without it the time window is not checked (offline decoding). The message text is
 * built only on a failure: this runs for every point, and building "point i of n" and each
 * label's description per point showed in the live-pipeline profile.
 */
export function checkPoint(
  p: PointShape,
  limits: IngestLimits,
  now: number | undefined,
  index: number,
  count: number,
  labelsChecked = false
): void {
  if (now !== undefined) {
    if (p.timestamp < now - limits.maxAgeMs) {
      throw new InvalidMessageError(
        'timestamp_too_old',
        `${at(index, count)}timestamp ${iso(p.timestamp)} is older than the accepted ${limits.maxAgeMs / 1000} s (before ${iso(now - limits.maxAgeMs)})`
      );
    }
    if (p.timestamp > now + limits.maxFutureMs) {
      throw new InvalidMessageError(
        'timestamp_in_future',
        `${at(index, count)}timestamp ${iso(p.timestamp)} is more than ${limits.maxFutureMs / 1000} s ahead of the detector's clock (${iso(now)})`
      );
    }
  }
  if (!valueOk(p.metric, limits)) throw valueError(p.metric, 'metric name', limits, at(index, count));
  if (labelsChecked) return;
  let n = 0;
  for (const name in p.labels) {
    if (++n > limits.maxLabels) {
      throw new InvalidMessageError(
        'too_many_labels',
        `${at(index, count)}${Object.keys(p.labels).length} labels, limit ${limits.maxLabels}`
      );
    }
    if (name.length > limits.maxLabelNameLength) {
      throw new InvalidMessageError(
        'label_too_long',
        `${at(index, count)}label name '${clip(name)}' is ${name.length} characters, limit ${limits.maxLabelNameLength}`
      );
    }
    const value = p.labels[name];
    if (!valueOk(value, limits)) throw valueError(value, `label '${clip(name)}'`, limits, at(index, count));
  }
}

/** Where a failing point is, for its message: nothing for a message of one point. */
function at(index: number, count: number): string {
  return count > 1 ? `point ${index + 1} of ${count}: ` : '';
}

/** With the u flag a surrogate pair is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /\p{Cs}/u;

function valueOk(v: string, limits: IngestLimits): boolean {
  // JSON can spell unpaired UTF-16 surrogates (\ud800): no valid UTF-8 exists for them.
  return v.length <= limits.maxLabelValueLength && !LONE_SURROGATE.test(v);
}

/** The error for a value valueOk refused. */
function valueError(v: string, what: string, limits: IngestLimits, at: string): InvalidMessageError {
  if (v.length > limits.maxLabelValueLength) {
    return new InvalidMessageError(
      'label_too_long',
      `${at}${what} is ${v.length} characters, limit ${limits.maxLabelValueLength}`
    );
  }
  return new InvalidMessageError(
    'invalid_encoding',
    `${at}${what} contains an unpaired surrogate (\\uD800-\\uDFFF)`
  );
}

/** The limits from the detector's settings (ANOMALYLENS_MAX_POINT_AGE_S, ...). */
export function ingestLimitsFrom(c: {
  maxPointAgeS: number;
  maxPointFutureS: number;
  maxLabels: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
}): IngestLimits {
  return {
    maxAgeMs: c.maxPointAgeS * 1000,
    maxFutureMs: c.maxPointFutureS * 1000,
    maxLabels: c.maxLabels,
    maxLabelNameLength: c.maxLabelNameLength,
    maxLabelValueLength: c.maxLabelValueLength,
  };
}
