import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const STATE = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'embedded-state.js');

/** One process taking the start lock `times` times, writing `enter`/`exit` lines inside it. */
const worker = `
  const { appendFileSync } = await import('node:fs');
  const { withStartLock } = await import(process.argv[1]);
  const [dir, log, times] = process.argv.slice(2);
  for (let i = 0; i < Number(times); i++) {
    await withStartLock(dir, async () => {
      appendFileSync(log, 'enter ' + process.pid + '\\n');
      await new Promise((r) => setTimeout(r, 2));
      appendFileSync(log, 'exit ' + process.pid + '\\n');
    });
  }
`;

describe('the embedded server start lock', () => {
  it('lets one process in at a time, however many contend for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sdk-lock-'));
    const log = join(dir, 'log');
    try {
      await Promise.all(
        Array.from({ length: 8 }, () => new Promise<void>((resolve, reject) => {
          execFile(process.execPath, ['--input-type=module', '-e', worker, STATE, dir, log, '25'], (error) => (error ? reject(error) : resolve()));
        })),
      );
      const lines = (await readFile(log, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(8 * 25 * 2);
      for (let i = 0; i < lines.length; i += 2) {
        const enter = lines[i]!.split(' ');
        expect(enter[0], `line ${i + 1}`).toBe('enter');
        expect(lines[i + 1], `line ${i + 2}`).toBe(`exit ${enter[1]}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
