import type { CollectdSample, DsType } from '../../../src/ingest/collectd';
import { RateConverter } from '../../../src/ingest/rates';

const s = (value: number | null, t: number, dstype: DsType = 'derive', metric = 'm'): CollectdSample => ({
  metric,
  labels: { host: 'h' },
  timestamp: t * 1000,
  value,
  dstype,
  interval: 10,
});

describe('RateConverter', () => {
  it('passes gauges through and skips nulls', () => {
    const r = new RateConverter(false);
    expect(r.convert(s(5, 1, 'gauge')).point?.value).toBe(5);
    expect(r.convert(s(null, 2, 'gauge')).skipped).toBe('null_value');
  });

  it('turns derive readings into per-second rates after a first seed', () => {
    const r = new RateConverter(false);
    expect(r.convert(s(100, 0)).skipped).toBe('first_sample');
    expect(r.convert(s(300, 10)).point).toEqual({
      metric: 'm',
      labels: { host: 'h' },
      timestamp: 10000,
      value: 20,
    });
    expect(r.convert(s(300, 20)).point?.value).toBe(0);
  });

  it('keeps state per series', () => {
    const r = new RateConverter(false);
    r.convert(s(0, 0, 'derive', 'a'));
    r.convert(s(1000, 0, 'derive', 'b'));
    expect(r.convert(s(10, 10, 'derive', 'a')).point?.value).toBe(1);
    expect(r.convert(s(1100, 10, 'derive', 'b')).point?.value).toBe(10);
    expect(r.size).toBe(2);
  });

  it('treats a 32-bit counter wrap as a wrap and other drops as resets', () => {
    const r = new RateConverter(false);
    r.convert(s(2 ** 32 - 100, 0, 'counter'));
    expect(r.convert(s(900, 10, 'counter')).point?.value).toBe(100);
    expect(r.convert(s(50, 20, 'counter')).skipped).toBe('counter_reset');
    // After a reset the next reading rates from the reset value.
    expect(r.convert(s(150, 30, 'counter')).point?.value).toBe(10);
  });

  it('treats a 64-bit wrap as a wrap', () => {
    const r = new RateConverter(false);
    r.convert(s(2 ** 64 - 2 ** 20, 0, 'counter'));
    expect(r.convert(s(2 ** 20, 10, 'counter')).point?.value).toBeCloseTo((2 * 2 ** 20) / 10, -3);
  });

  it('treats any derive drop as a reset (types.db minimum is 0)', () => {
    const r = new RateConverter(false);
    r.convert(s(2 ** 32 - 100, 0, 'derive'));
    expect(r.convert(s(10, 10, 'derive')).skipped).toBe('counter_reset');
  });

  it('skips re-delivered or out-of-order readings without losing state', () => {
    const r = new RateConverter(false);
    r.convert(s(0, 10));
    expect(r.convert(s(0, 10)).skipped).toBe('non_increasing_time');
    expect(r.convert(s(50, 5)).skipped).toBe('non_increasing_time');
    expect(r.convert(s(100, 20)).point?.value).toBe(10);
  });

  it('divides absolute readings by the elapsed time or the interval', () => {
    const r = new RateConverter(false);
    expect(r.convert(s(50, 0, 'absolute')).point?.value).toBe(5);
    expect(r.convert(s(40, 20, 'absolute')).point?.value).toBe(2);
  });

  it('forgets idle series', () => {
    const r = new RateConverter(false);
    r.convert(s(0, 0, 'derive', 'a'), 1000);
    r.convert(s(0, 0, 'derive', 'b'), 5000);
    expect(r.evictIdle(2000)).toBe(1);
    expect(r.size).toBe(1);
  });
});

describe('RateConverter with rates computed by collectd (StoreRates)', () => {
  it('passes counter/derive values through as the per-second rates they already are', () => {
    const r = new RateConverter(true);
    expect(r.convert(s(null, 0)).skipped).toBe('null_value');
    expect(r.convert(s(61.99, 1)).point?.value).toBe(61.99);
    expect(r.convert(s(0, 2, 'counter')).point?.value).toBe(0);
    expect(r.size).toBe(0);
  });

  it('takes fractional counter values as rates even when asked to compute rates', () => {
    const r = new RateConverter(false);
    expect(r.convert(s(12.5, 1)).point?.value).toBe(12.5);
    expect(r.convert(s(100, 2)).skipped).toBe('first_sample');
  });
});
