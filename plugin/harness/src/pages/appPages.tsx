import React from 'react';
import { Observable, from } from 'rxjs';
import { PluginType } from '@grafana/data';
import { BackendSrv, DataSourceSrv, FetchResponse, setBackendSrv, setDataSourceSrv } from '@grafana/runtime';
import Anomalies from '../../../src/pages/Anomalies';
import StreamHealth from '../../../src/pages/StreamHealth';
import Alerts from '../../../src/pages/Alerts';
import AppConfig, { AppConfigProps } from '../../../src/components/AppConfig/AppConfig';
import { registerPage } from '../registry';

/**
 * The app pages as Grafana shows them, wired to a real Prometheus. Grafana's backend is the one
 * piece the harness stands in for: its datasource proxy becomes a direct (CORS) request to the
 * Prometheus the runner started, and its alerting API answers with the instances the runner
 * computed from that Prometheus.
 */
export interface AppPagesPayload {
  prometheusUrl: string;
  /** Body for GET /api/prometheus/grafana/api/v1/rules. */
  rules?: unknown;
}

interface FetchOptions {
  url: string;
  method?: string;
  params?: Record<string, string | number>;
  data?: unknown;
}

const PROXY = /^\/api\/datasources\/proxy\/uid\/[^/]+\/(api\/v1\/.*)$/;

async function answer(payload: AppPagesPayload, options: FetchOptions): Promise<FetchResponse<unknown>> {
  const respond = (data: unknown, status = 200) =>
    ({
      data,
      status,
      ok: status < 400,
      statusText: '',
      headers: new Headers(),
      redirected: false,
      type: 'basic',
      url: options.url,
      config: options,
    }) as unknown as FetchResponse<unknown>;
  const proxied = PROXY.exec(options.url);
  if (proxied) {
    const query = new URLSearchParams(Object.entries(options.params ?? {}).map(([k, v]) => [k, String(v)]));
    const res = await fetch(`${payload.prometheusUrl}/${proxied[1]}?${query.toString()}`);
    const body = await res.json();
    if (!res.ok) {
      throw { status: res.status, statusText: res.statusText, data: body };
    }
    return respond(body);
  }
  if (options.url === '/api/prometheus/grafana/api/v1/rules') {
    return respond(payload.rules ?? { status: 'success', data: { groups: [] } });
  }
  if (options.url.startsWith('/api/plugins/') && options.method === 'POST') {
    return respond({ message: 'Plugin settings updated' });
  }
  throw { status: 404, statusText: 'Not Found', data: { message: `harness: no route for ${options.url}` } };
}

function setup(raw: unknown) {
  const payload = raw as AppPagesPayload;
  setBackendSrv({
    fetch: (options: FetchOptions): Observable<FetchResponse<unknown>> => from(answer(payload, options)),
  } as unknown as BackendSrv);
  const prometheus = {
    uid: 'anomalylens-prometheus',
    name: 'Anomaly Lens Prometheus',
    type: 'prometheus',
    meta: { id: 'prometheus', name: 'Prometheus', info: { logos: { small: '' } }, metrics: true },
  };
  setDataSourceSrv({
    getList: () => [prometheus],
    getInstanceSettings: (ref: unknown) =>
      ref === prometheus.uid || (ref as { uid?: string } | null)?.uid === prometheus.uid ? prometheus : undefined,
  } as unknown as DataSourceSrv);
}

function Titled({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div style={{ width: 1168 }}>
      <h2 style={{ margin: '0 0 16px' }}>{title}</h2>
      {children}
    </div>
  );
}

registerPage('app-anomalies', {
  setup,
  render: () => (
    <Titled title="Anomaly Lens › Anomalies">
      <Anomalies />
    </Titled>
  ),
});
registerPage('app-stream-health', {
  setup,
  render: () => (
    <Titled title="Anomaly Lens › Stream health">
      <StreamHealth />
    </Titled>
  ),
});
registerPage('app-alerts', {
  setup,
  render: () => (
    <Titled title="Anomaly Lens › Alerts">
      <Alerts />
    </Titled>
  ),
});
registerPage('app-config', {
  setup,
  render: () => {
    const props = {
      plugin: {
        meta: {
          id: 'anomalylens-detector-app',
          name: 'Anomaly Lens',
          type: PluginType.app,
          enabled: true,
          pinned: true,
          jsonData: {},
        },
      },
      query: {},
    } as unknown as AppConfigProps;
    return (
      <Titled title="Anomaly Lens › Configuration">
        <AppConfig {...props} />
      </Titled>
    );
  },
});
