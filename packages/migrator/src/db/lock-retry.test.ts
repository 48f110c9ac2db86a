import { describe, expect, it, vi } from 'vitest';
import { BACKOFF_CAP_MS, backoffMs, RetryBudget, retryReason } from './lock-retry.js';

describe('backoffMs', () => {
  it('doubles from half a second and reaches ten seconds between attempts, with jitter between half and all of it', () => {
    for (let retry = 0; retry < 12; retry++) {
      const ceiling = Math.min(BACKOFF_CAP_MS, 500 * 2 ** retry);
      for (let i = 0; i < 50; i++) {
        const wait = backoffMs(retry);
        expect(wait).toBeGreaterThanOrEqual(ceiling / 2);
        expect(wait).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(Math.min(...Array.from({ length: 50 }, () => backoffMs(8)))).toBeGreaterThanOrEqual(5_000);
  });
});

describe('RetryBudget', () => {
  it('by time: keeps retrying until the next pause would end past the budget, so a 20 s holder is outlasted with the default 2 minutes', () => {
    vi.useFakeTimers();
    try {
      const budget = new RetryBudget({ retryForMs: 120_000 });
      let waited = 0;
      // Each attempt waits 2 s for its lock (the default lock_timeout), then pauses.
      for (;;) {
        vi.advanceTimersByTime(2_000);
        if (waited + 2_000 * budget.failures >= 20_000) break;
        const wait = budget.next();
        expect(wait).toBeDefined();
        waited += wait!;
        vi.advanceTimersByTime(wait!);
      }
      expect(budget.failures).toBeLessThan(10);
      const spent = new RetryBudget({ retryForMs: 1_000 });
      vi.advanceTimersByTime(1_000);
      expect(spent.next()).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('by count: says the attempt number and the most attempts there will be', () => {
    const budget = new RetryBudget({ maxRetries: 2 });
    expect(budget.next()).toBeDefined();
    expect(budget.next()).toBeDefined();
    expect(budget.next()).toBeUndefined();
    expect(budget.failures).toBe(3);
    expect(budget.maxAttempts()).toBe(3);
  });
});

describe('retryReason', () => {
  it('tells lock timeouts, deadlocks and serialization failures from errors a retry will not fix', () => {
    expect(retryReason({ code: '55P03' })).toBe('lock-timeout');
    expect(retryReason({ code: '40P01' })).toBe('deadlock');
    expect(retryReason({ code: '40001' })).toBe('serialization');
    expect(retryReason({ code: '23505' })).toBeUndefined();
    expect(retryReason(new Error('x'))).toBeUndefined();
  });
});
