/**
 * A recording pass-through between the detector and Prometheus's remote-write receiver.
 *
 * Prometheus alone cannot prove "re-sent samples are identical": with an out-of-order window
 * (our test config has one) it stores a re-sent older sample without complaint even when the
 * value differs, and a query then shows one of the two. The tap sees every request the
 * detector sends, re-sends included, decodes it (snappy + protobuf, the same decoders the sink's
 * unit tests use) and records every value ever sent per series and timestamp. Requests and
 * answers pass through unchanged; when Prometheus is unreachable the detector's connection is
 * dropped, so the detector sees a network failure as it would without the tap.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncompressSync } from 'snappy';
import { decodeWriteRequest } from '../../src/sink/proto';

export interface TapStats {
  requests: number;
  samples: number;
  /** Samples sent again with the same series, timestamp and value. */
  identicalResends: number;
  /** Samples sent again with the same series and timestamp but another value. */
  conflicts: number;
  /** Up to 10 conflicts, described. */
  conflictExamples: string[];
  /** Requests the tap could not forward (Prometheus unreachable). */
  unforwarded: number;
}

export class RemoteWriteTap {
  private server?: http.Server;
  private readonly sent = new Map<string, Map<number, number>>();
  readonly stats: TapStats = {
    requests: 0,
    samples: 0,
    identicalResends: 0,
    conflicts: 0,
    conflictExamples: [],
    unforwarded: 0,
  };
  port = 0;

  constructor(private readonly upstream: () => string) {}

  /** The URL the detector should write to. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api/v1/write`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.forward(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'host' && k !== 'connection') headers[k] = v;
    const fwd = http.request(
      `${this.upstream()}${req.url ?? '/api/v1/write'}`,
      { method: req.method, headers },
      (up) => {
        const answer: Buffer[] = [];
        up.on('data', (c: Buffer) => answer.push(c));
        up.on('end', () => {
          // Recorded only once Prometheus answered: what the detector sent and saw answered.
          if (req.method === 'POST') this.record(body);
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(answer));
        });
      }
    );
    fwd.on('error', () => {
      this.stats.unforwarded++;
      res.destroy();
    });
    fwd.end(body);
  }

  private record(body: Buffer): void {
    this.stats.requests++;
    if (body.length === 0) return;
    const { timeseries } = decodeWriteRequest(uncompressSync(body) as Buffer);
    for (const ts of timeseries) {
      const key = ts.labels.map((l) => `${l.name}=${l.value}`).join(',');
      let byTime = this.sent.get(key);
      if (!byTime) this.sent.set(key, (byTime = new Map()));
      for (const s of ts.samples) {
        this.stats.samples++;
        const before = byTime.get(s.timestamp);
        if (before === undefined) byTime.set(s.timestamp, s.value);
        else if (Object.is(before, s.value)) this.stats.identicalResends++;
        else {
          this.stats.conflicts++;
          if (this.stats.conflictExamples.length < 10)
            this.stats.conflictExamples.push(`{${key}} @${s.timestamp}: sent ${before}, then ${s.value}`);
        }
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = undefined;
  }
}
