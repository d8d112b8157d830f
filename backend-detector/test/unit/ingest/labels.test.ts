import { sanitizeLabelName, seriesKey } from '../../../src/ingest/labels';

describe('sanitizeLabelName', () => {
  it.each([
    ['host', 'host'],
    ['_private', '_private'],
    ['Zone_9', 'Zone_9'],
    ['__meta', 'label__meta'],
    ['_', '_'],
    ['metric', 'exported_metric'],
    ['__name__', 'label__name__'],
    ['9lives', '_9lives'],
    ['a-b.c', 'a_b_c'],
    ['', '_'],
    ['hôst', 'h_st'],
    ['-_x', 'label__x'],
  ])('%j becomes %j', (name, expected) => {
    expect(sanitizeLabelName(name)).toBe(expected);
  });
});

describe('seriesKey', () => {
  /** The key's definition: metric, then every label in Array#sort order of the names. */
  function reference(metric: string, labels: Record<string, string>): string {
    let key = metric;
    for (const name of Object.keys(labels).sort()) key += `\u0000${name}\u0001${labels[name]}`;
    return key;
  }

  it('orders names as Array#sort does, whatever order they arrive in', () => {
    let s = 7;
    const rand = (n: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    const alphabet = ['a', 'b', 'Z', '_', '0', 'é', '東', 'aa', 'a_b', 'host', 'Host', 'l09', 'l10'];
    for (let round = 0; round < 500; round++) {
      const labels: Record<string, string> = {};
      const count = rand(31);
      for (let i = 0; i < count; i++) {
        const name = alphabet[rand(alphabet.length)] + (rand(3) === 0 ? String(rand(100)) : '');
        labels[name] = `v${i}`;
      }
      const reversed = Object.fromEntries(Object.entries(labels).reverse());
      expect(seriesKey('m', labels)).toBe(reference('m', labels));
      expect(seriesKey('m', reversed)).toBe(seriesKey('m', labels));
    }
  });
});
