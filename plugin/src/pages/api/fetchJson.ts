import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError } from '@grafana/runtime';

/**
 * GET through Grafana's backend (session auth, datasource proxy) without Grafana's own error
 * toasts: the pages show errors in place, next to what failed.
 */
export async function fetchJson(url: string, params?: Record<string, string | number>): Promise<unknown> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<unknown>({ url, method: 'GET', params, showErrorAlert: false, showSuccessAlert: false })
    );
    return response.data;
  } catch (error) {
    throw new Error(describeFetchError(error));
  }
}

/** A readable reason for a failed request: Prometheus's or Grafana's message when there is one. */
export function describeFetchError(error: unknown): string {
  if (isFetchError(error)) {
    const data = error.data as { error?: unknown; message?: unknown } | undefined;
    const detail = typeof data?.error === 'string' ? data.error : typeof data?.message === 'string' ? data.message : '';
    const status = error.status ? `HTTP ${error.status}` : 'request failed';
    return detail ? `${status}: ${detail}` : `${status}${error.statusText ? ` ${error.statusText}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
