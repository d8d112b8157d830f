import { resolveDetectorConfig, type DetectorConfig } from '../model/config';
import {
  DETECTOR_STATE_BINARY_VERSION,
  decodeDetectorState,
  detectorConfigFingerprint,
  encodeDetectorState,
} from '../model/state-codec';
import type { DetectorStateCodec } from './model-records';

/** The checkpoint codec for the streaming detectors `createSeriesDetector(partial)` makes. */
export function streamingDetectorCodec(partial: Partial<DetectorConfig> = {}): DetectorStateCodec {
  const config = resolveDetectorConfig(partial);
  return {
    encode: (detector) => encodeDetectorState(detector),
    decode: (bytes) => decodeDetectorState(bytes, config),
    version: DETECTOR_STATE_BINARY_VERSION,
    fingerprint: detectorConfigFingerprint(config),
  };
}
