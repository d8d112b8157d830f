import { resolveDetectorConfig, type DetectorConfig } from '../model/config';
import { StreamingDetector } from '../model/detector';
import {
  DETECTOR_STATE_BINARY_VERSION,
  decodeDetectorState,
  detectorConfigFingerprint,
  encodeDetectorState,
  encodeDetectorStateTransient,
} from '../model/state-codec';
import type { DetectorStateCodec } from './model-records';

/** The checkpoint codec for the streaming detectors `createSeriesDetector(partial)` makes. */
export function streamingDetectorCodec(partial: Partial<DetectorConfig> = {}): DetectorStateCodec {
  const config = resolveDetectorConfig(partial);
  return {
    encode: (detector) => encodeDetectorState(detector),
    encodeTransient: (detector) => encodeDetectorStateTransient(detector),
    forestBytes: (detector) => {
      if (!(detector instanceof StreamingDetector)) throw new TypeError('not a detector made by this module');
      return detector.forestStateBytes;
    },
    decode: (bytes) => decodeDetectorState(bytes, config),
    version: DETECTOR_STATE_BINARY_VERSION,
    fingerprint: detectorConfigFingerprint(config),
  };
}
