import pino from 'pino';
import { DetectorMetrics } from '../../../src/health/metrics';
import { OffsetCommitter } from '../../../src/pipeline/offset-committer';
import { OffsetTracker, type TopicPartitionOffset } from '../../../src/pipeline/offsets';
import { settle } from '../../support/manual-clock';

/** A consumer whose commits the test answers one by one. */
function consumer() {
  const calls: Array<{ offsets: TopicPartitionOffset[]; answer: (error?: Error) => void }> = [];
  return {
    calls,
    commitOffsets: (offsets: TopicPartitionOffset[]) =>
      new Promise<void>((resolve, reject) =>
        calls.push({ offsets, answer: (error) => (error ? reject(error) : resolve()) })
      ),
  };
}

const logger = pino({ level: 'silent' });
const at = (partition: number, offset: string): TopicPartitionOffset => ({ topic: 'm', partition, offset });

/** A batch of `samples` points ending at `last`, handed to the sink and sealed. */
function batch(tracker: OffsetTracker, partition: number, last: string, samples = 6) {
  const ticket = tracker.open('m', partition, last);
  ticket.expect(samples);
  ticket.seal();
  return { ack: () => ticket.ack(samples) };
}

describe('OffsetCommitter', () => {
  it('commits only offsets whose batches, and every earlier one, the sink acknowledged', async () => {
    const tracker = new OffsetTracker();
    const kafka = consumer();
    const committer = new OffsetCommitter(kafka, tracker, new DetectorMetrics(false), logger);
    const first = batch(tracker, 0, '9');
    const second = batch(tracker, 0, '19');
    second.ack();
    void committer.commit();
    await settle();
    expect(kafka.calls).toEqual([]);
    first.ack();
    const done = committer.commit();
    await settle();
    expect(kafka.calls.map((c) => c.offsets)).toEqual([[at(0, '20')]]);
    kafka.calls[0].answer();
    await done;
  });

  it('sends commits one at a time, in the order asked', async () => {
    const tracker = new OffsetTracker();
    const kafka = consumer();
    const committer = new OffsetCommitter(kafka, tracker, new DetectorMetrics(false), logger);
    batch(tracker, 0, '4').ack();
    const periodic = committer.commit();
    const checkpoint = committer.commit([at(1, '100')]);
    await settle();
    expect(kafka.calls.map((c) => c.offsets)).toEqual([[at(0, '5')]]);
    kafka.calls[0].answer();
    await periodic;
    await settle();
    expect(kafka.calls.map((c) => c.offsets)).toEqual([[at(0, '5')], [at(1, '100')]]);
    kafka.calls[1].answer();
    await checkpoint;
  });

  it('puts back a failed commit of acknowledged offsets, not a failed commit of given ones', async () => {
    const tracker = new OffsetTracker();
    const kafka = consumer();
    const metrics = new DetectorMetrics(false);
    const committer = new OffsetCommitter(kafka, tracker, metrics, logger);
    batch(tracker, 0, '4').ack();
    const failing = committer.commit();
    await settle();
    kafka.calls[0].answer(new Error('coordinator moved'));
    await failing;
    const given = committer.commit([at(1, '7')]);
    await settle();
    kafka.calls[1].answer(new Error('coordinator moved'));
    await given;
    const retry = committer.commit();
    await settle();
    expect(kafka.calls[2].offsets).toEqual([at(0, '5')]);
    kafka.calls[2].answer();
    await retry;
    const counts = (await metrics.offsetCommits.get()).values.map((v) => [v.labels.result, v.value]);
    expect(counts.sort()).toEqual([
      ['error', 2],
      ['ok', 1],
    ]);
  });
});
