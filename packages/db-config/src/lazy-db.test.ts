import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The built client, as an application imports it (`pnpm build` first; `pnpm test` does). */
const CLIENT = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'client.js')).href;

/**
 * In a child process started in `cwd`: imports the client, uses `db` once (a pool is created, no
 * connection is opened), and reports the URL it chose and the environment variables that first
 * use added or changed.
 */
function firstUse(cwd: string, env: Record<string, string | undefined>): Promise<{ url: string; changed: string[] }> {
  const script = `
    const before = { ...process.env };
    const { db } = await import(${JSON.stringify(CLIENT)});
    const url = db.$client.options.connectionString;
    const keys = new Set([...Object.keys(before), ...Object.keys(process.env)]);
    const changed = [...keys].filter((k) => before[k] !== process.env[k]);
    await db.$client.end();
    console.log(JSON.stringify({ url, changed }));
  `;
  const childEnv: Record<string, string | undefined> = { ...process.env };
  delete childEnv.DATABASE_URL;
  Object.assign(childEnv, env);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd, env: childEnv as NodeJS.ProcessEnv }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout) as { url: string; changed: string[] }),
    );
  });
}

describe('the lazy db client', () => {
  let app: string;
  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'db-config-app-'));
    await writeFile(join(app, '.env'), 'DATABASE_URL=postgres://app@127.0.0.1:1/from_dotenv\nPAYMENT_API_KEY=sk_live_not_for_children\n');
  });
  afterAll(() => rm(app, { recursive: true, force: true }));

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

  it('reads DATABASE_URL from .env on first use without adding anything to process.env', async () => {
    const used = await firstUse(app, {});
    expect(used.url).toBe('postgres://app@127.0.0.1:1/from_dotenv');
    expect(used.changed).toEqual([]);
  });

  it('prefers DATABASE_URL from the environment over .env', async () => {
    const used = await firstUse(app, { DATABASE_URL: 'postgres://app@127.0.0.1:1/from_env' });
    expect(used).toEqual({ url: 'postgres://app@127.0.0.1:1/from_env', changed: [] });
  });
});
