import { OffsetTracker } from '../../../src/pipeline/offsets';

describe('OffsetTracker', () => {
  it('commits a partition only up to the longest fully acknowledged prefix of batches', () => {
    const t = new OffsetTracker();
    const a = t.open('m', 0, '9');
    const b = t.open('m', 0, '19');
    a.expect(6);
    a.seal();
    b.expect(6);
    b.seal();
    b.ack(6);
    expect(t.takeCommittable()).toEqual([]);
    a.ack(5);
    expect(t.takeCommittable()).toEqual([]);
    a.ack(1);
    expect(t.takeCommittable()).toEqual([{ topic: 'm', partition: 0, offset: '20' }]);
    expect(t.takeCommittable()).toEqual([]);
    expect(t.inFlight).toBe(0);
  });

  it('does not finish a batch before it is sealed, even with nothing outstanding', () => {
    const t = new OffsetTracker();
    const a = t.open('m', 1, '4');
    a.expect(2);
    a.ack(2);
    expect(t.takeCommittable()).toEqual([]);
    a.seal();
    expect(t.takeCommittable()).toEqual([{ topic: 'm', partition: 1, offset: '5' }]);
  });

  it('finishes a batch that carried no samples (all dead-lettered) when sealed', () => {
    const t = new OffsetTracker();
    t.open('m', 0, '0').seal();
    expect(t.takeCommittable()).toEqual([{ topic: 'm', partition: 0, offset: '1' }]);
  });

  it('keeps partitions independent and handles offsets beyond 2^53', () => {
    const t = new OffsetTracker();
    const a = t.open('m', 0, '9007199254740993');
    const b = t.open('m', 1, '3');
    b.seal();
    expect(t.takeCommittable()).toEqual([{ topic: 'm', partition: 1, offset: '4' }]);
    a.seal();
    expect(t.takeCommittable()).toEqual([{ topic: 'm', partition: 0, offset: '9007199254740994' }]);
  });

  it('ignores acknowledgements from before a rebalance', () => {
    const t = new OffsetTracker();
    const old = t.open('m', 0, '9');
    old.expect(1);
    old.seal();
    t.reset();
    old.ack(1);
    expect(t.takeCommittable()).toEqual([]);
  });

  it('restores offsets after a failed commit unless newer ones arrived', () => {
    const t = new OffsetTracker();
    t.open('m', 0, '9').seal();
    const taken = t.takeCommittable();
    t.restore(taken);
    expect(t.takeCommittable()).toEqual(taken);
    t.open('m', 0, '19').seal();
    t.restore(taken);
    expect(t.takeCommittable()).toEqual([{ topic: 'm', partition: 0, offset: '20' }]);
  });
});

describe('OffsetTracker.discard', () => {
  it('removes an empty ticket so later batches can commit', () => {
    const t = new OffsetTracker();
    const a = t.open('m', 0, '9');
    const b = t.open('m', 0, '9');
    b.seal('5');
    expect(t.takeCommittable()).toEqual([]);
    t.discard(a);
    expect(t.takeCommittable()).toEqual([{ topic: 'm', partition: 0, offset: '6' }]);
  });
});
