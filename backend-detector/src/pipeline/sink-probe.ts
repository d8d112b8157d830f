import type { RemoteWriteClient } from '../sink/client';
import type { RemoteWriteSink } from '../sink/sink';
import type { Clock } from './clock';

/** How long an idle sink goes between reachability probes. */
export const PROBE_INTERVAL_MS = 10_000;

/**
 * Readiness needs to know whether the remote-write endpoint answers even when no points
 * flow: an idle sink is probed with an empty WriteRequest.
 */
export class SinkProbe {
  constructor(
    private readonly client: Pick<RemoteWriteClient, 'write'>,
    private readonly sink: Pick<RemoteWriteSink, 'noteProbe' | 'pending' | 'lastSuccessAt'>,
    private readonly clock: Clock
  ) {}

  async probe(): Promise<void> {
    try {
      const res = await this.client.write([]);
      const ok = res.status >= 200 && res.status < 300;
      this.sink.noteProbe(ok, ok ? '' : `HTTP ${res.status}: ${res.body}`);
    } catch (e) {
      this.sink.noteProbe(false, (e as Error).message);
    }
  }

  async probeIfIdle(): Promise<void> {
    if (this.sink.pending === 0 && this.clock.now() - this.sink.lastSuccessAt > PROBE_INTERVAL_MS)
      await this.probe();
  }
}
