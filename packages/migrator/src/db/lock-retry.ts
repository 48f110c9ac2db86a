/**
 * The one bounded retry policy for statements that lose a lock race: a lock_timeout, a deadlock
 * or a serialization failure rolls the attempt back (so nothing stays locked while waiting), and
 * the next attempt comes after a growing, jittered pause, until a time budget (and optionally an
 * attempt count) is spent.
 */

/** Why an attempt failed in a way that a later attempt may not. */
export type RetryReason = 'lock-timeout' | 'deadlock' | 'serialization';

const REASONS: Record<string, RetryReason> = {
  '55P03': 'lock-timeout', // lock_not_available: lock_timeout expired
  '40P01': 'deadlock', // deadlock_detected
  '40001': 'serialization', // serialization_failure
};

/** The retry reason of a PostgreSQL error (by SQLSTATE), or undefined for an error a retry will not fix. */
export function retryReason(error: unknown): RetryReason | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? REASONS[code] : undefined;
}

/** First pause after a failed attempt; each later one doubles, up to BACKOFF_CAP_MS. */
export const BACKOFF_BASE_MS = 500;
/**
 * The longest pause between attempts. Long enough that a few attempts reach past a typical long
 * transaction in the application (the holder), short enough to notice soon after it ends.
 */
export const BACKOFF_CAP_MS = 10_000;

/** Exponential backoff with jitter (half to full), so retrying runners do not stampede. */
export function backoffMs(retry: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(retry, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export interface RetryPolicy {
  /** Stop retrying once this much time has passed since the first attempt began (ms). */
  retryForMs?: number | undefined;
  /** Stop after this many retries (attempts after the first), whatever the time. */
  maxRetries?: number | undefined;
}

/**
 * Counts attempts of one operation against a RetryPolicy. `next()` after each failed attempt says
 * how long to pause before the next one, or undefined when the budget is spent.
 */
export class RetryBudget {
  private readonly started = Date.now();
  /** Attempts that have failed so far. */
  failures = 0;

  constructor(private readonly policy: RetryPolicy) {}

  next(): number | undefined {
    this.failures++;
    const { maxRetries, retryForMs } = this.policy;
    if (maxRetries !== undefined && this.failures > maxRetries) return undefined;
    const wait = backoffMs(this.failures - 1);
    if (retryForMs !== undefined && this.elapsedMs() + wait >= retryForMs) return undefined;
    return wait;
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** Time left to retry in (ms), when the budget is a time. */
  remainingMs(): number | undefined {
    return this.policy.retryForMs === undefined ? undefined : Math.max(0, this.policy.retryForMs - this.elapsedMs());
  }

  /** The most attempts there can be, when the budget is a count. */
  maxAttempts(): number | undefined {
    return this.policy.maxRetries === undefined ? undefined : this.policy.maxRetries + 1;
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `run` until it succeeds, pausing and running it again after a lock timeout or deadlock
 * within the policy's budget. Any other error, or the last lock failure once the budget is spent,
 * is thrown as it is. For housekeeping statements that lock nothing between attempts.
 */
export async function retryLockFailures<T>(policy: RetryPolicy, run: () => Promise<T>): Promise<T> {
  const budget = new RetryBudget(policy);
  for (;;) {
    try {
      return await run();
    } catch (error) {
      const wait = retryReason(error) ? budget.next() : undefined;
      if (wait === undefined) throw error;
      await sleep(wait);
    }
  }
}
