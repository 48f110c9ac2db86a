import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { findInvalidUtf8, hexByte } from '../util/utf8.js';
import { ENGINE_RULE_IDS, fileViolation } from './engine-findings.js';
import type { InputRecorder } from './inputs.js';
import type { FileReport } from './types.js';

/** Larger files are reported, not parsed: a migration that big is a data dump, and parsing it would take the memory of a small server. */
export const MAX_LINT_FILE_BYTES = 16 * 1024 * 1024;

/** Strict: invalid bytes throw instead of turning into U+FFFD. Strips a BOM. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A migration file's text and the bytes it was decoded from (what the lint cache keys on). */
export interface MigrationText {
  text: string;
  bytes: Uint8Array;
}

/** The file's text, or a report saying why it cannot be linted; recorded in `inputs` when given. */
export function readMigration(absolute: string, display: string, inputs?: InputRecorder): MigrationText | FileReport {
  const unreadable = (message: string, help: string, line = 1, column = 1): FileReport => ({
    path: display,
    violations: [fileViolation(ENGINE_RULE_IDS.unreadable, 'error', line, column, message, help)],
    statements: [],
  });
  // One open for the size check and the read (a stat first would be a second lookup of the path per file).
  let fd: number;
  try {
    fd = openSync(absolute, 'r');
  } catch (error) {
    inputs?.refuse(`${display} could not be read`);
    return unreadable(`This file cannot be read: ${(error as Error).message}.`, 'Check its permissions, then run the linter again.');
  }
  let bytes: Buffer;
  try {
    // Before the read: a write after it gives the file a later change time (lint/inputs.ts).
    const stats = fstatSync(fd);
    const size = stats.size;
    if (size > MAX_LINT_FILE_BYTES) {
      inputs?.file(absolute, stats);
      return unreadable(`This file is ${(size / 1024 / 1024).toFixed(0)} MB; the linter reads migrations up to ${MAX_LINT_FILE_BYTES / 1024 / 1024} MB.`,
        'Split it into smaller migrations, and load bulk data outside the migrations: COPY for new rows, `sdk db backfill` for changes to existing rows.');
    }
    if (!stats.isFile()) {
      // A pipe or a device (`sdk db lint <(...)`): fstat says 0 bytes, so read to its end. There is
      // nothing to stat again later: a run that read one is not replayed.
      inputs?.refuse(`${display} is not a regular file`);
      bytes = readFileSync(fd);
    } else {
      // The size fstat gave: one read call for a migration (readFileSync would fstat again).
      bytes = Buffer.allocUnsafe(size);
      let filled = 0;
      while (filled < size) {
        const got = readSync(fd, bytes, filled, size - filled, filled);
        if (got === 0) break; // the file shrank since fstat
        filled += got;
      }
      if (filled < size) bytes = bytes.subarray(0, filled);
      inputs?.file(absolute, stats, bytes);
    }
  } catch (error) {
    inputs?.refuse(`${display} could not be read`);
    return unreadable(`This file cannot be read: ${(error as Error).message}.`, 'Check its permissions, then run the linter again.');
  } finally {
    closeSync(fd);
  }
  if (bytes.subarray(0, 8192).includes(0)) {
    return unreadable('This is a binary file, not SQL text.', 'Pass migration .sql files or the migrations folder.');
  }
  try {
    return { text: UTF8.decode(bytes), bytes };
  } catch {
    const invalid = findInvalidUtf8(bytes);
    if (!invalid) throw new Error('TextDecoder and findInvalidUtf8 disagree about a file'); // unreachable: both follow the Unicode definition
    return unreadable(`This file is not valid UTF-8 (byte ${hexByte(invalid.byte)} at byte offset ${invalid.offset}).`,
      'Save it as UTF-8 (PostgreSQL reads migrations in the server encoding, UTF-8 almost everywhere), e.g. `iconv -f latin1 -t utf-8`.', invalid.line, invalid.column);
  }
}
