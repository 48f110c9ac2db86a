import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MigratorError } from '../errors.js';

/**
 * drizzle-kit's migrations folder as the operations write into it: `meta/_journal.json`, one
 * `meta/NNNN_snapshot.json` per migration (a chain of ids: each snapshot's `prevId` is the one
 * before it), and the `.sql` files. drizzle-kit's next `generate` compares the schema with the
 * last snapshot, so that one must describe the schema after the last file.
 */
export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/** A drizzle-kit snapshot: only `id` and `prevId` are read here; the rest is kept as it is. */
export interface Snapshot {
  id: string;
  prevId: string;
  [key: string]: unknown;
}

const journalPath = (folder: string) => join(folder, 'meta', '_journal.json');
export const snapshotPath = (folder: string, idx: number) => join(folder, 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`);

export async function readJournal(folder: string): Promise<Journal> {
  const path = journalPath(folder);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Journal;
  } catch (error) {
    throw new MigratorError('E_JOURNAL', `cannot read the drizzle journal ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: 'point --migrations at the folder drizzle-kit generates into (it holds meta/_journal.json), or run `pnpm db:generate` once first',
    });
  }
}

/** The snapshot of journal entry `idx`, or undefined when drizzle-kit wrote none for it. */
export async function readSnapshot(folder: string, idx: number): Promise<Snapshot | undefined> {
  const path = snapshotPath(folder, idx);
  if (!existsSync(path)) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as Snapshot;
}

/** Writes a file through a temporary name and a rename, so a crash never leaves half a file. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.sdk-${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

export async function writeJournal(folder: string, journal: Journal): Promise<void> {
  await writeAtomically(journalPath(folder), `${JSON.stringify(journal, null, 2)}\n`);
}

/**
 * New migrations appended to the folder: their `.sql` files, journal entries and snapshots. Each
 * snapshot is `snapshots[i]` (default: the last one before them, unchanged) with a fresh id
 * chained to the one before.
 */
export async function appendMigrations(
  folder: string,
  migrations: ReadonlyArray<{ tag: string; text: string }>,
  snapshots: (base: Snapshot | undefined, i: number) => Snapshot | undefined,
): Promise<string[]> {
  const journal = await readJournal(folder);
  const last = journal.entries.at(-1);
  const first = last ? last.idx + 1 : 0;
  let prev = last ? await readSnapshot(folder, last.idx) : undefined;
  const base = prev;
  const written: string[] = [];
  const now = Date.now();
  for (const [i, m] of migrations.entries()) {
    const idx = first + i;
    if (!m.tag.startsWith(String(idx).padStart(4, '0'))) throw new Error(`internal: ${m.tag} written at index ${idx}`);
    const path = join(folder, `${m.tag}.sql`);
    if (existsSync(path)) throw new MigratorError('E_OPERATION', `${path} exists already`, { hint: 'pick another name with `name`' });
    await writeAtomically(path, m.text);
    written.push(path);
    const content = snapshots(base, i);
    if (content) {
      const snapshot: Snapshot = { ...content, id: randomUUID(), prevId: prev?.id ?? '00000000-0000-0000-0000-000000000000' };
      await writeAtomically(snapshotPath(folder, idx), `${JSON.stringify(snapshot, null, 2)}\n`);
      written.push(snapshotPath(folder, idx));
      prev = snapshot;
    }
    journal.entries.push({ idx, version: journal.version ?? '7', when: Math.max(now + i, (last?.when ?? 0) + i + 1), tag: m.tag, breakpoints: true });
  }
  await writeJournal(folder, journal);
  return written;
}

/** Writes data migration files into `folder` (created when missing). */
export async function writeDataMigrations(folder: string, files: ReadonlyArray<{ name: string; text: string }>): Promise<string[]> {
  if (files.length === 0) return [];
  await mkdir(folder, { recursive: true });
  const existing = new Set((await readdir(folder)).map((f) => f.replace(/\.(ts|mts|js|mjs)$/, '')));
  const out: string[] = [];
  for (const f of files) {
    if (existing.has(f.name)) throw new MigratorError('E_OPERATION', `a data migration named ${f.name} exists already in ${folder}`, { hint: 'pick another name with `name`' });
    const path = join(folder, `${f.name}.mjs`);
    await writeAtomically(path, f.text);
    out.push(path);
  }
  return out;
}

export async function removeFiles(paths: readonly string[]): Promise<void> {
  for (const p of paths) await rm(p, { force: true });
}
