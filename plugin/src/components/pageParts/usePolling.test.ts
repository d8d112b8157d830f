import { act, renderHook, waitFor } from '@testing-library/react';
import { usePolling } from './usePolling';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('usePolling', () => {
  it('loads, then refreshes on its interval', async () => {
    jest.useFakeTimers();
    let calls = 0;
    const { result, unmount } = renderHook(() => usePolling(() => Promise.resolve(++calls), 1000, 'k'));
    await waitFor(() => expect(result.current.data).toBe(1));
    expect(result.current.loading).toBe(false);
    await act(async () => {
      jest.advanceTimersByTime(1000);
    });
    await waitFor(() => expect(result.current.data).toBe(2));
    unmount();
    jest.useRealTimers();
  });

  it('drops the answer of a superseded key and hides data of another key', async () => {
    const slow = deferred<string>();
    const fast = deferred<string>();
    const { result, rerender } = renderHook(
      ({ key }) => usePolling(() => (key === 'a' ? slow.promise : fast.promise), 60_000, key),
      {
        initialProps: { key: 'a' },
      }
    );
    rerender({ key: 'b' });
    await act(async () => fast.resolve('for b'));
    expect(result.current.data).toBe('for b');
    await act(async () => slow.resolve('for a'));
    expect(result.current.data).toBe('for b');
  });

  it('keeps the last good data and reports the error of a failed refresh', async () => {
    let fail = false;
    const { result } = renderHook(() =>
      usePolling(() => (fail ? Promise.reject(new Error('HTTP 502')) : Promise.resolve('ok')), 60_000, 'k')
    );
    await waitFor(() => expect(result.current.data).toBe('ok'));
    fail = true;
    act(() => result.current.refresh());
    await waitFor(() => expect(result.current.error).toBe('HTTP 502'));
    expect(result.current.data).toBe('ok');
    expect(result.current.loading).toBe(false);
  });
});
