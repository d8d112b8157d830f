import { resolveDetectorConfig, withSeasonal } from '../../../src/model/config';
import { createSeriesDetector } from '../../../src/model/detector';
import {
  decodeDetectorState,
  detectorConfigFingerprint,
  encodeDetectorState,
  IncompatibleStateError,
} from '../../../src/model/state-codec';
import { streamingDetectorCodec } from '../../../src/pipeline/detector-codec';
import { generateSeries } from '../../support/policy-series';

describe('seasonality in the detector state', () => {
  const base = {};
  const weeklyBerlin = withSeasonal(base, { seasonality: 'weekly', timezone: 'Europe/Berlin' });

  it('keeps the fingerprint of the defaults, and gives other seasonal settings their own', () => {
    const defaults = detectorConfigFingerprint(resolveDetectorConfig());
    expect(withSeasonal(base, { seasonality: 'daily', timezone: 'UTC' })).toBe(base);
    expect(detectorConfigFingerprint(resolveDetectorConfig(weeklyBerlin))).not.toBe(defaults);
    expect(withSeasonal(base, { seasonality: 'weekly', timezone: 'Europe/Berlin' })).toBe(weeklyBerlin);
  });

  it('round-trips a weekly, zoned detector exactly and refuses it under other settings', () => {
    const d = createSeriesDetector(weeklyBerlin);
    const series = generateSeries(900);
    for (const p of series.slice(0, 600)) d.update(p.ts, p.value);
    const bytes = encodeDetectorState(d);
    const codec = streamingDetectorCodec(base);
    const copy = codec.decode(bytes, { seasonality: 'weekly', timezone: 'Europe/Berlin' });
    for (const p of series.slice(600)) expect(copy.update(p.ts, p.value)).toEqual(d.update(p.ts, p.value));
    expect(() => codec.decode(bytes)).toThrow(IncompatibleStateError);
    expect(() => decodeDetectorState(bytes, resolveDetectorConfig({ seasonality: 'weekly' }))).toThrow(
      /config/
    );
  });

  it('rejects unknown seasonality and time zones in the config', () => {
    expect(() => resolveDetectorConfig({ timezone: 'Mars/Olympus' })).toThrow(/timezone/);
    expect(() => resolveDetectorConfig({ seasonality: 'monthly' as never })).toThrow(/seasonality/);
  });
});
