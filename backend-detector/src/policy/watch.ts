/**
 * Reload triggers for the policy file: changes seen by fs.watch (debounced) and SIGHUP.
 * The directory is watched, not the file: editors and ConfigMap updates replace the file
 * (write a new one, rename it over the old), which ends a watch on the file itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';

export interface PolicyWatch {
  close(): void;
}

/** Quiet time after the last change before reading the file: an editor's save is several events. */
export const RELOAD_DEBOUNCE_MS = 300;

export function watchPolicy(
  file: string,
  reload: (trigger: 'change' | 'SIGHUP') => void,
  logger: Logger,
  debounceMs = RELOAD_DEBOUNCE_MS
): PolicyWatch {
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload('change');
    }, debounceMs);
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(path.dirname(path.resolve(file)), { persistent: false }, changed);
    watcher.on('error', (err) =>
      logger.warn({ err, policy: file }, 'policy file watch failed; SIGHUP still reloads')
    );
  } catch (err) {
    logger.warn({ err, policy: file }, 'cannot watch the policy file; reload it with SIGHUP');
  }
  const hup = () => reload('SIGHUP');
  process.on('SIGHUP', hup);
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
      process.off('SIGHUP', hup);
    },
  };
}
