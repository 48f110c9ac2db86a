import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { JournalError } from '../errors.js';
import type { MigrationFile } from './types.js';

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
  breakpoints: boolean;
}

/**
 * Reads drizzle-kit's `meta/_journal.json` and each `<tag>.sql` it lists. The hash is sha256 of
 * the file exactly as drizzle-orm's migrator computes it, so both tools agree on what was applied.
 */
export async function readMigrations(folder: string): Promise<MigrationFile[]> {
  const root = resolve(folder);
  const journalPath = join(root, 'meta', '_journal.json');
  let text: string;
  try {
    text = await readFile(journalPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new JournalError(
      journalPath,
      code === 'ENOENT'
        ? `no drizzle journal at ${journalPath}`
        : `cannot read ${journalPath}: ${(error as Error).message}`,
      {
        cause: error,
        hint: code === 'ENOENT' ? 'point --migrations at the folder drizzle-kit generates into, or run `pnpm db:generate` first' : 'check the file permissions',
      },
    );
  }
  const entries = parseJournal(text, journalPath);
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    const path = join(root, `${entry.tag}.sql`);
    let sql: string;
    try {
      sql = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new JournalError(
        journalPath,
        code === 'ENOENT' ? `the journal lists ${entry.tag} but ${path} does not exist` : `cannot read ${path}: ${(error as Error).message}`,
        { cause: error, hint: 'restore the file from git, or regenerate the migrations with `pnpm db:generate`' },
      );
    }
    files.push({
      idx: entry.idx,
      tag: entry.tag,
      when: entry.when,
      breakpoints: entry.breakpoints,
      path,
      sql,
      hash: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return files;
}

function parseJournal(text: string, path: string): JournalEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new JournalError(path, `${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
      hint: 'restore it from git (git checkout -- meta/_journal.json) or resolve the merge conflict in it',
    });
  }
  const entries = (data as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) {
    throw new JournalError(path, `${path} has no "entries" array: it is not a drizzle-kit journal`, {
      hint: 'restore it from git or regenerate it with `pnpm db:generate`',
    });
  }
  const seenTags = new Set<string>();
  return entries.map((raw, position) => {
    const e = raw as Partial<JournalEntry>;
    if (typeof e.tag !== 'string' || !e.tag || typeof e.when !== 'number' || !Number.isFinite(e.when)) {
      throw new JournalError(path, `${path} entry ${position} is malformed: every entry needs a "tag" string and a numeric "when"`, {
        hint: 'restore the journal from git or regenerate it with `pnpm db:generate`',
      });
    }
    if (seenTags.has(e.tag)) {
      throw new JournalError(path, `${path} lists ${e.tag} twice`, { hint: 'remove the duplicate entry (a bad merge?)' });
    }
    if (/[/\\]|\.\./.test(e.tag)) {
      throw new JournalError(path, `${path} entry ${position} has a tag that is not a file name: ${JSON.stringify(e.tag)}`);
    }
    seenTags.add(e.tag);
    return { idx: typeof e.idx === 'number' ? e.idx : position, when: e.when, tag: e.tag, breakpoints: e.breakpoints !== false };
  });
}
