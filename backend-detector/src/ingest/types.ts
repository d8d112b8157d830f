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
] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

/** Thrown by decoders; the pipeline turns it into a dead-letter record. */
export class InvalidMessageError extends Error {
  constructor(
    readonly reason: InvalidReason,
    detail: string
  ) {
    super(detail);
    this.name = 'InvalidMessageError';
  }
}

export const INPUT_FORMATS = ['auto', 'native', 'collectd', 'influx'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
