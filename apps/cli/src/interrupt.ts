import type { Output } from './output.js';

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/**
 * While a long command runs, Ctrl-C or SIGTERM aborts the returned signal instead of killing the
 * process at once: the command stops its child (pg_dump, pg_restore) and cleans up (partial
 * files, scratch databases) before it exits. A second Ctrl-C quits at once.
 */
export function interruptible(out: Output): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = () => {
      if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
      out.info(`${name}: stopping and cleaning up… (Ctrl-C again to quit at once, leaving what is half-done)`);
      controller.abort(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
