import {
  resolveDetectorConfig,
  withSeasonal,
  type DetectorConfig,
  type SeasonalSettings,
} from '../model/config';
import { createSeriesDetector } from '../model/detector';
import type { SeriesDetector } from '../model/types';
import { StreamingDetector } from '../model/detector';
import {
  DETECTOR_STATE_BINARY_VERSION,
  decodeDetectorState,
  detectorConfigFingerprint,
  encodeDetectorState,
  encodeDetectorStateTransient,
} from '../model/state-codec';
import type { DetectorStateCodec } from './model-records';

/** Fresh streaming detectors with `partial`'s settings and each series' seasonality from its policy. */
export function streamingDetectorFactory(
  partial: Partial<DetectorConfig> = {}
): (seriesKey: string, model?: SeasonalSettings) => SeriesDetector {
  return (_key, model) => createSeriesDetector(withSeasonal(partial, model));
}

/** One resolved config per seasonal variant: decoding hashes the config object it is given once. */
const seasonalConfigs = new WeakMap<Partial<DetectorConfig>, DetectorConfig>();

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
    decode: (bytes, model) => {
      const seasonal = withSeasonal(partial, model);
      if (seasonal === partial) return decodeDetectorState(bytes, config);
      let cfg = seasonalConfigs.get(seasonal);
      if (!cfg) seasonalConfigs.set(seasonal, (cfg = resolveDetectorConfig(seasonal)));
      return decodeDetectorState(bytes, cfg);
    },
    version: DETECTOR_STATE_BINARY_VERSION,
    fingerprint: detectorConfigFingerprint(config),
  };
}
