import { describe, expect, it } from 'vitest';

describe('the lazy db client', () => {
  it('opens no connection on import and explains a missing DATABASE_URL on first use', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const { db } = await import('./client.js');
      expect(() => db.select()).toThrow(/DATABASE_URL is not set/);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});
