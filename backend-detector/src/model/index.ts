export type { DetectorOutput, SeriesDetector } from './types';
export type { DetectorConfig } from './config';
export { DEFAULT_DETECTOR_CONFIG, resolveDetectorConfig } from './config';
export type { SeriesDetectorOutput } from './detector';
export { StreamingDetector, createSeriesDetector } from './detector';
export {
  DETECTOR_STATE_BINARY_VERSION,
  IncompatibleStateError,
  decodeDetectorState,
  detectorConfigFingerprint,
  encodeDetectorState,
} from './state-codec';
export type { IncompatibleStateReason } from './state-codec';
