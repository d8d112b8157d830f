import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { StreamStatus } from './status';

export interface HealthSource {
  registry: Registry;
  /** Liveness: the process and its event loop work (always true while it answers). */
  ready(): { ready: boolean; reasons: string[] };
  status(): StreamStatus;
}

/** Allowed methods: every endpoint is read-only. */
const ALLOW = 'GET, HEAD';

/**
 * /metrics (Prometheus text), /healthz (liveness), /readyz (group joined and sink
 * reachable; 503 with the reasons otherwise) and /api/status (JSON stream health).
 * Read-only: other methods get 405 and the connection is closed without reading a request
 * body, so nothing a client sends is ever parsed beyond the request line and headers.
 */
export class HealthServer {
  private server?: http.Server;

  constructor(private readonly source: HealthSource) {}

  async listen(port: number, host: string): Promise<number> {
    const server = http.createServer((req, res) => {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      void this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('internal error\n');
      });
    });
    // Scrapers send a whole request at once; a client trickling headers (slowloris) is cut off.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { Allow: ALLOW, 'Content-Type': 'text/plain', Connection: 'close' })
        .end(`method ${req.method} not allowed: the endpoints are read-only (${ALLOW})\n`);
      return;
    }
    switch (path) {
      case '/metrics': {
        const body = await this.source.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.source.registry.contentType }).end(body);
        return;
      }
      case '/healthz':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
        return;
      case '/readyz': {
        const r = this.source.ready();
        res
          .writeHead(r.ready ? 200 : 503, { 'Content-Type': 'text/plain' })
          .end(r.ready ? 'ready\n' : `not ready: ${r.reasons.join('; ')}\n`);
        return;
      }
      case '/api/status': {
        // Built before the head is written, so a failure can still answer 500.
        const body = JSON.stringify(this.source.status());
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(body);
        return;
      }
      default:
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('not found: try /metrics, /healthz, /readyz, /api/status\n');
    }
  }
}
