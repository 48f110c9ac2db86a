import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { JournalError, MigrationEncodingError } from '../errors.js';
import { findInvalidUtf8 } from '../util/utf8.js';
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
 *
 * @throws MigrationEncodingError for a file that is not valid UTF-8, before anything connects.
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
        hint: code === 'ENOENT' ? 'point `migrationsFolder` at the folder drizzle-kit generates into, or run `pnpm db:generate` first' : 'check the file permissions',
      },
    );
  }
  const entries = parseJournal(text, journalPath);
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    const path = join(root, `${entry.tag}.sql`);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new JournalError(
        journalPath,
        code === 'ENOENT' ? `the journal lists ${entry.tag} but ${path} does not exist` : `cannot read ${path}: ${(error as Error).message}`,
        { cause: error, hint: 'restore the file from git, or regenerate the migrations with `pnpm db:generate`' },
      );
    }
    // drizzle-orm reads the file with toString(), which turns invalid bytes into U+FFFD without
    // a word, and PostgreSQL would then store U+FFFD where the author wrote e.g. a Latin-1 `é`.
    const invalid = findInvalidUtf8(bytes);
    if (invalid) throw new MigrationEncodingError(path, invalid);
    const sql = bytes.toString('utf8');
    files.push({
      idx: entry.idx,
      tag: entry.tag,
      when: entry.when,
      breakpoints: entry.breakpoints,
      path,
      sql,
      // drizzle-orm hashes the decoded string; for valid UTF-8 (a BOM included) that is these exact
      // bytes, and hashing them saves a second copy of a large file.
      hash: createHash('sha256').update(bytes).digest('hex'),
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
