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

/**
 * /metrics (Prometheus text), /healthz (liveness), /readyz (group joined and sink
 * reachable; 503 with the reasons otherwise) and /api/status (JSON stream health).
 */
export class HealthServer {
  private server?: http.Server;

  constructor(private readonly source: HealthSource) {}

  async listen(port: number, host: string): Promise<number> {
    const server = http.createServer((req, res) => {
      void this.handle(req, res).catch((e: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(e));
      });
    });
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
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
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
      case '/api/status':
        res
          .writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
          .end(JSON.stringify(this.source.status()));
        return;
      default:
        res
          .writeHead(404, { 'Content-Type': 'text/plain' })
          .end('not found: try /metrics, /healthz, /readyz, /api/status\n');
    }
  }
}
