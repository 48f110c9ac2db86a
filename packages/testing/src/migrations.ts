import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MigrationSpec {
  /** drizzle-kit style tag, e.g. `0001_add_phone`; defaults to `NNNN_mN`. */
  tag?: string;
  /** File contents; statements separated by `--> statement-breakpoint` and/or semicolons. */
  sql: string;
  /** Journal `when` (ms); defaults to a fixed base plus one second per position. */
  when?: number;
}

/** Base `when` for generated journals: fixed, so hashes and ordering are reproducible. */
export const JOURNAL_BASE_WHEN = 1_700_000_000_000;

/** Writes a drizzle-kit migrations folder (`meta/_journal.json` + `<tag>.sql`), in `dir` or a fresh temp dir. */
export async function writeMigrationsFolder(specs: MigrationSpec[], dir?: string): Promise<string> {
  const folder = dir ?? (await mkdtemp(join(tmpdir(), 'sdk-migrations-')));
  await mkdir(join(folder, 'meta'), { recursive: true });
  const entries = specs.map((spec, idx) => ({
    idx,
    version: '7',
    when: spec.when ?? JOURNAL_BASE_WHEN + idx * 1000,
    tag: spec.tag ?? `${String(idx).padStart(4, '0')}_m${idx}`,
    breakpoints: true,
  }));
  await writeFile(join(folder, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  await Promise.all(specs.map((spec, i) => writeFile(join(folder, `${entries[i]!.tag}.sql`), spec.sql)));
  return folder;
}
