/**
 * Compact, versioned, exact binary state of one series' detector: what the pipeline
 * checkpoints to the compacted topic `anomalylens.models` and restores on partition
 * assignment.
 *
 * Layout (all integers little-endian):
 *
 *   offset  size  field
 *   0       4     magic "ALDS" (Anomaly Lens Detector State)
 *   4       2     format version (DETECTOR_STATE_BINARY_VERSION)
 *   6       8     config fingerprint: first 8 bytes of SHA-256 over the state-shaping config
 *   14      4     body length n
 *   18      n     body: scalars and typed arrays as raw little-endian bytes (no JSON, no base64)
 *   18 + n  4     CRC-32 of bytes [0, 18 + n)
 *
 * Exactness: a detector decoded from the state taken after point k produces bit-identical
 * outputs to the original for every later point (PRNG state, refit schedule, score
 * calibration, holdoff, stuck-value and event state are all carried). The pipeline relies
 * on this: re-processing after a crash must re-send identical samples.
 *
 * The fingerprint covers only the settings that shape what the state holds (sizes, feature
 * list, forest shape). Thresholds, damping, holdoff and event settings are read from the
 * running config, so changing them keeps the learned models instead of forcing a warm-up.
 */
import { createHash } from 'crypto';
import { crc32, StateFormatError, StateReader, StateWriter } from './binary';
import { DetectorConfig, resolveDetectorConfig } from './config';
import { StreamingDetector } from './detector';
import { SeriesDetector } from './types';

export const DETECTOR_STATE_BINARY_VERSION = 9;

const MAGIC = Buffer.from('ALDS', 'latin1');
const FINGERPRINT_BYTES = 8;
const HEADER_BYTES = MAGIC.length + 2 + FINGERPRINT_BYTES + 4;
const CRC_BYTES = 4;

export type IncompatibleStateReason = 'format' | 'version' | 'config' | 'corrupt';

/** The bytes cannot be turned into a detector for this config; rebuild the model instead. */
export class IncompatibleStateError extends Error {
  constructor(
    readonly reason: IncompatibleStateReason,
    message: string
  ) {
    super(`detector state (${reason}): ${message}`);
    this.name = 'IncompatibleStateError';
  }
}

/** Settings whose change makes an existing state meaningless or the wrong size. */
function stateShapingConfig(config: DetectorConfig): unknown[] {
  const shaping: unknown[] = [
    config.trees,
    config.sampleSize,
    config.historySize,
    config.window,
    config.scaleWindow,
    config.scoreHistory,
    config.scoreWarmup,
  ];
  // Seasonality sizes the time-of-day ranges and the time zone gives them their meaning. The
  // defaults add nothing, so states taken before policies existed keep their fingerprint.
  if (config.seasonality !== 'daily' || config.timezone !== 'UTC')
    shaping.push(config.seasonality, config.timezone);
  return shaping;
}

/** Keyed by the caller's config object: one hash per config, not one per series. */
const fingerprintCache = new WeakMap<DetectorConfig, Buffer>();

function fingerprintBytes(config: DetectorConfig): Buffer {
  let fp = fingerprintCache.get(config);
  if (!fp) {
    const shaping = stateShapingConfig(resolveDetectorConfig(config));
    const canonical = JSON.stringify([DETECTOR_STATE_BINARY_VERSION, ...shaping]);
    fp = createHash('sha256').update(canonical).digest().subarray(0, FINGERPRINT_BYTES);
    fingerprintCache.set(config, fp);
  }
  return fp;
}

/** Short fingerprint (16 hex digits) of the state-shaping detector config. */
export function detectorConfigFingerprint(config: DetectorConfig): string {
  return fingerprintBytes(config).toString('hex');
}

/** Compact binary state of one series' detector. */
export function encodeDetectorState(detector: SeriesDetector): Buffer {
  return writeDetectorState(detector).finish();
}

/**
 * encodeDetectorState's bytes without the copy: a view of the writers' shared buffer, valid
 * until the next state is encoded. For a caller that copies what it keeps right away (a
 * checkpoint's records): a state with its forest is ~30 kB, and a copy of each per series per
 * checkpoint was external memory churn that made V8 run full GCs.
 */
export function encodeDetectorStateTransient(detector: SeriesDetector): Uint8Array {
  return writeDetectorState(detector).view();
}

function writeDetectorState(detector: SeriesDetector): StateWriter {
  if (!(detector instanceof StreamingDetector)) {
    throw new TypeError('encodeDetectorState: not a detector made by this module');
  }
  const w = new StateWriter();
  for (const b of MAGIC) w.u8(b);
  w.u16(DETECTOR_STATE_BINARY_VERSION);
  for (const b of fingerprintBytes(detector.config)) w.u8(b);
  const lengthAt = w.length;
  w.u32(0);
  detector.writeState(w);
  w.setU32(lengthAt, w.length - HEADER_BYTES);
  w.u32(crc32(w.view()));
  return w;
}

/**
 * Rebuild a detector; throws IncompatibleStateError (never a half-read detector) when the
 * bytes are not ours, another version, made under a different detector config, or damaged.
 */
export function decodeDetectorState(bytes: Uint8Array, config: DetectorConfig): SeriesDetector {
  if (bytes.length < MAGIC.length || !MAGIC.equals(bytes.subarray(0, MAGIC.length))) {
    throw new IncompatibleStateError('format', 'not an Anomaly Lens detector state (bad magic bytes)');
  }
  if (bytes.length < HEADER_BYTES + CRC_BYTES) {
    throw new IncompatibleStateError(
      'corrupt',
      `truncated: ${bytes.length} bytes is shorter than the header`
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(MAGIC.length, true);
  if (version !== DETECTOR_STATE_BINARY_VERSION) {
    throw new IncompatibleStateError(
      'version',
      `format version ${version}, this build reads ${DETECTOR_STATE_BINARY_VERSION}`
    );
  }
  const bodyLength = dv.getUint32(MAGIC.length + 2 + FINGERPRINT_BYTES, true);
  const end = HEADER_BYTES + bodyLength;
  if (end + CRC_BYTES !== bytes.length) {
    throw new IncompatibleStateError(
      'corrupt',
      `length mismatch: header says ${end + CRC_BYTES} bytes, got ${bytes.length}`
    );
  }
  if (crc32(bytes, 0, end) !== dv.getUint32(end, true)) {
    throw new IncompatibleStateError('corrupt', 'CRC-32 mismatch (damaged bytes)');
  }
  const fp = bytes.subarray(MAGIC.length + 2, MAGIC.length + 2 + FINGERPRINT_BYTES);
  const expected = fingerprintBytes(config);
  if (!expected.equals(fp)) {
    throw new IncompatibleStateError(
      'config',
      `made under detector config ${Buffer.from(fp).toString('hex')}, running ${expected.toString('hex')}`
    );
  }
  const detector = new StreamingDetector(config);
  const r = new StateReader(bytes, HEADER_BYTES, end);
  try {
    detector.readState(r);
    r.expectEnd();
  } catch (e) {
    // The CRC matched, so this is a writer bug or a forged state: still never half-read.
    if (e instanceof StateFormatError || e instanceof RangeError) {
      throw new IncompatibleStateError('corrupt', e.message);
    }
    throw e;
  }
  return detector;
}

/**
 * The forest is the tail of the state's body, right before the CRC (the detector writes it
 * last; `forestStateBytes` says how long it is). Checkpoints store it apart because it changes
 * only at a refit; these two cut it out and put it back, so no caller edits the layout.
 */
export function splitForestFromState(
  state: Uint8Array,
  forestBytes: number
): { withoutForest: Buffer; forest: Uint8Array } {
  const { before, forest, after } = forestParts(state, forestBytes);
  return { withoutForest: Buffer.concat([before, after]), forest };
}

/**
 * splitForestFromState without the copy: the state is `before`, `forest`, `after` (views of
 * `state`), for a caller that copies the parts it keeps into a record of its own anyway.
 */
export function forestParts(
  state: Uint8Array,
  forestBytes: number
): { before: Uint8Array; forest: Uint8Array; after: Uint8Array } {
  const end = state.length - CRC_BYTES;
  const start = end - forestBytes;
  if (forestBytes <= 0 || start < 0) {
    throw new RangeError(`no forest of ${forestBytes} bytes in this state`);
  }
  return { before: state.subarray(0, start), forest: state.subarray(start, end), after: state.subarray(end) };
}

/**
 * A whole state from splitForestFromState's two parts. The CRC covers the joined bytes, so a
 * forest that is not this state's own fails decodeDetectorState rather than being misread.
 */
export function joinForestToState(withoutForest: Uint8Array, forest: Uint8Array): Buffer {
  const split = withoutForest.length - CRC_BYTES;
  if (split < 0) throw new IncompatibleStateError('corrupt', 'state truncated');
  return Buffer.concat([withoutForest.subarray(0, split), forest, withoutForest.subarray(split)]);
}
