import { Observable, of, throwError } from 'rxjs';

/**
 * Stands in for the Grafana server in page tests: answers getBackendSrv().fetch() the way
 * Grafana's datasource proxy and alerting API would, from handlers keyed by URL path.
 */
export interface FakeRequest {
  url: string;
  method?: string;
  params?: Record<string, string | number>;
  data?: unknown;
}

export type Handler = (request: FakeRequest) => unknown;

export class FakeBackend {
  readonly requests: FakeRequest[] = [];
  private readonly handlers: Array<{ match: (url: string) => boolean; handler: Handler }> = [];

  reset(): void {
    this.requests.length = 0;
    this.handlers.length = 0;
  }

  on(pathSuffix: string, handler: Handler): this {
    this.handlers.push({ match: (url) => url.endsWith(pathSuffix), handler });
    return this;
  }

  fetch = (request: FakeRequest): Observable<{ data: unknown; status: number }> => {
    this.requests.push(request);
    const entry = this.handlers.find((h) => h.match(request.url));
    if (!entry) {
      return throwError(() => ({
        status: 404,
        statusText: 'Not Found',
        data: { message: `no handler for ${request.url}` },
      }));
    }
    try {
      return of({ data: entry.handler(request), status: 200 });
    } catch (error) {
      return throwError(() => error);
    }
  };
}

/** Prometheus answers in the shape of its HTTP API. */
export const prom = {
  matrix: (series: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>) => ({
    status: 'success',
    data: { resultType: 'matrix', result: series },
  }),
  vector: (samples: Array<{ metric?: Record<string, string>; value: number }>, timeSec: number) => ({
    status: 'success',
    data: {
      resultType: 'vector',
      result: samples.map((s) => ({ metric: s.metric ?? {}, value: [timeSec, String(s.value)] })),
    },
  }),
  /** How Grafana's backend service rejects a request the datasource answered with an error. */
  error: (status: number, message: string) => ({
    status,
    statusText: 'Bad Request',
    data: { status: 'error', errorType: 'bad_data', error: message },
  }),
};
