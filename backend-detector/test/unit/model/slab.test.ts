import { Slab, slabBytes } from '../../../src/model/slab';

describe('Slab', () => {
  it('carves 8-byte aligned, non-overlapping arrays out of one buffer', () => {
    const slab = Slab.of(slabBytes(3) + slabBytes(8 * 2) + slabBytes(4 * 3));
    const bytes = slab.uint8(3);
    const doubles = slab.float64(2);
    const floats = slab.float32(3);
    expect(bytes.buffer).toBe(doubles.buffer);
    expect(doubles.buffer).toBe(floats.buffer);
    expect([bytes.byteOffset, doubles.byteOffset, floats.byteOffset]).toEqual([0, 8, 24]);
    bytes.fill(0xff);
    floats.fill(1);
    expect(Array.from(doubles)).toEqual([0, 0]);
  });

  it('refuses to carve beyond what was reserved', () => {
    const slab = Slab.of(16);
    slab.float64(1);
    expect(() => slab.float64(2)).toThrow(/24 bytes needed, 16 reserved/);
  });
});
