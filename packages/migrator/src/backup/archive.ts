import { execFile } from 'node:child_process';
import { MigratorError } from '../errors.js';
import type { PgTool } from './tools.js';

export interface ArchiveObject {
  /** TABLE, VIEW, MATERIALIZED VIEW, SEQUENCE, FOREIGN TABLE, TYPE, DOMAIN, FUNCTION, PROCEDURE, AGGREGATE, SCHEMA */
  kind: string;
  /** `-` for a schema. */
  schema: string;
  /** A function's name without its arguments. */
  name: string;
}

/** The objects of a table of contents that `restore` compares with the target, to drop what came after the backup. */
const OBJECT_LINE = /^\d+; \d+ \d+ (MATERIALIZED VIEW|FOREIGN TABLE|TABLE(?! DATA)|VIEW|SEQUENCE(?! SET| OWNED BY)|TYPE|DOMAIN|FUNCTION|PROCEDURE|AGGREGATE|SCHEMA) (\S+) (.+) \S+$/;

/**
 * Lists an archive's table of contents: proves pg_restore can read it, counts its TABLE DATA
 * entries, and reads the database it was dumped from out of its header (which, unlike the
 * manifest, nobody edits by hand).
 */
export function listArchive(pgRestore: PgTool, archive: string): Promise<{ entries: number; tableData: number; dbname: string | null; objects: ArchiveObject[] }> {
  return new Promise((resolve, reject) => {
    execFile(pgRestore.path, ['--list', archive], { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const detail = (stderr.trim().split('\n')[0] ?? error.message).replace(/^pg_restore:\s*(error:\s*)?/, '');
        // An archive format newer than this pg_restore is the tool's limit, not damage.
        const tooOld = /unsupported version/i.test(detail);
        reject(
          new MigratorError(tooOld ? 'E_PG_TOOL' : 'E_BACKUP_UNREADABLE', `pg_restore ${pgRestore.version} cannot read ${archive}: ${detail}`, {
            hint: tooOld ? 'use a pg_restore at least as new as the pg_dump that wrote it (`pgBinDir`)' : 'the archive is damaged: use another backup',
          }),
        );
        return;
      }
      const lines = stdout.split('\n').filter((l) => /^\d+;/.test(l));
      const dbname = /^;\s+dbname:\s(.*)$/m.exec(stdout)?.[1] ?? null;
      const objects: ArchiveObject[] = [];
      for (const line of lines) {
        const m = OBJECT_LINE.exec(line);
        if (m) objects.push({ kind: m[1]!, schema: m[2]!, name: m[3]!.replace(/\(.*$/, '') });
      }
      resolve({ entries: lines.length, tableData: lines.filter((l) => / TABLE DATA /.test(l)).length, dbname, objects });
    });
  });
}
