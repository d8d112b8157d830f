import { isUsageError, parseOptions, reportCliError, splitList, UsageError } from '../../../src/cli/args';

describe('shared CLI argument handling', () => {
  it('parses options strictly: unknown options and positionals are usage errors', () => {
    const opts = { rate: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
    expect(parseOptions(['--rate', '5', '-h'], opts)).toEqual({ rate: '5', help: true });
    for (const argv of [['--bogus'], ['stray']]) {
      let err: unknown;
      try {
        parseOptions(argv, opts);
      } catch (e) {
        err = e;
      }
      expect(isUsageError(err)).toBe(true);
    }
    expect(isUsageError(new Error('disk full'))).toBe(false);
  });

  it('splits lists, dropping blanks', () => {
    expect(splitList(' a, b,,c ,')).toEqual(['a', 'b', 'c']);
    expect(splitList(undefined)).toEqual([]);
  });

  it('reports failures with the exit code a script can act on', () => {
    let err = '';
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      expect(reportCliError('demo', 'usage: demo\n', new UsageError('--x: bad'))).toBe(2);
      expect(err).toBe('anomaly-lens demo: --x: bad\n\nusage: demo\n');
      err = '';
      expect(reportCliError('demo', 'usage: demo\n', new Error('boom'))).toBe(1);
      expect(err).toBe('anomaly-lens demo: boom\n');
      const bad = new RangeError('bad file');
      expect(reportCliError('demo', 'usage', bad, (e) => e instanceof RangeError)).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});
