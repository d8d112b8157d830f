/** One decoded input point, whatever wire format it came in. */
export interface MetricPoint {
  metric: string;
  /** Entity labels (host, region, ...); never contains `metric` or `__name__`. */
  labels: Record<string, string>;
  /** Epoch milliseconds. */
  timestamp: number;
  value: number;
}

/**
 * Why a message was dead-lettered. A closed set so the `reason` label of the
 * invalid-messages counter stays bounded.
 */
export const INVALID_REASONS = [
  'oversized',
  'empty',
  'invalid_encoding',
  'invalid_json',
  'missing_field',
  'wrong_type',
  'non_finite',
  'invalid_timestamp',
  'invalid_line_protocol',
  'unknown_format',
  /** Outside the accepted time window: Prometheus would reject the whole remote-write batch. */
  'timestamp_too_old',
  'timestamp_in_future',
  'too_many_labels',
  'label_too_long',
  /** Two labels with the same name once sanitized, or a tag given twice. */
  'duplicate_label',
] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

const MAX_DETAIL = 500;

/** Thrown by decoders; the pipeline turns it into a dead-letter record. */
export class InvalidMessageError extends Error {
  constructor(
    readonly reason: InvalidReason,
    detail: string
  ) {
    // Details quote the input; bound them so a 1 MB field does not become a 1 MB log line.
    super(detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail);
    this.name = 'InvalidMessageError';
  }
}

export const INPUT_FORMATS = ['auto', 'native', 'collectd', 'influx'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
