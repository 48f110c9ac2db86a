import { randomBytes } from 'node:crypto';
import { METADATA_SCHEMA } from '../db/metadata.js';

/** The runner's audit table (db/metadata.ts): who ran what, when, and how it ended. */
export const HISTORY_TABLE = `${METADATA_SCHEMA}.history`;

/** What the restore records about itself in the audit history. */
export interface RestoreRecord {
  /** Who ran it (util/actor.ts). */
  osUser: string;
  host: string;
  gitSha: string | null;
  /** The archive restored. */
  archive: string;
  /** The newest migration of the backup: where the database stands after the restore (`target_tag`). */
  backupNewest: string | null;
  /** The newest migration applied before the restore (`current_tag`). */
  currentNewest: string | null;
  /** Migrations applied before the restore that the backup does not have (`migrations`). */
  undone: string[];
}

/** The two pieces of SQL the restore's transaction runs around pg_restore's script. */
export interface HistoryCarry {
  /** Right after BEGIN, before anything is dropped: sets the history aside, out of the restore's reach. */
  keep: string;
  /** After pg_restore's script, before the lock check and COMMIT: puts it back and records the restore. */
  carry: string;
}

/**
 * The audit history is a record of what happened, not part of the state a backup rolls back: a
 * restore keeps every row written after the backup and adds one for itself (issue 10: 74 rows
 * became 2 and the restore left no trace). Both steps run inside the restore's one transaction,
 * so a restore that fails or is stopped rolls them back with everything else.
 *
 * `keep` moves the table (with its sequence and primary key) into a schema of its own for the
 * length of the transaction (ALTER TABLE ... SET SCHEMA, catalog only), so neither the drops of
 * what the backup lacks nor pg_restore's `--clean` touch it; this needs CREATE on the database,
 * which the role that made sdk_migrator had. `carry`:
 * - when the backup has no history (made before the first `sdk db migrate`): moves the table back;
 * - else: keeps the backup's table, and puts every row set aside into it: a row the backup has
 *   too (same id and start) as it is now (it may have finished since), the others (written after
 *   the backup) with their ids; when the backup's history uses one of those ids for another run
 *   (a backup of another database or server), all of them get new ids after the backup's, in
 *   their order. The id sequence then continues after every row;
 * - then adds the restore's own row: outcome `restored`, phase `restore`, who, when, the archive
 *   (a column `archive`, added when missing) and the migrations it undid.
 * With no history before or after, nothing is recorded (there is no table to record into).
 */
export function historyCarry(record: RestoreRecord): HistoryCarry {
  const hex = randomBytes(6).toString('hex');
  const hold = `sdk_restore_keep_${hex}`;
  const keepTag = `$sdk_keep_${hex}$`;
  const carryTag = `$sdk_history_${hex}$`;
  const values = [record.osUser, record.host, record.gitSha, record.archive, record.backupNewest, record.currentNewest, ...record.undone];
  // Each value is a quoted literal inside a dollar-quoted block: the block's tag must not occur in one.
  if (values.some((v) => v !== null && (v.includes(carryTag) || v.includes('\0')))) throw new Error('restore record holds the block tag or a NUL byte');
  return {
    keep: [
      '-- sdk: the audit history is not the backup\'s to rewind: set aside until the restore is done',
      `DO ${keepTag}`,
      'BEGIN',
      `  IF pg_catalog.to_regclass('${HISTORY_TABLE}') IS NOT NULL THEN`,
      `    CREATE SCHEMA ${hold};`,
      `    ALTER TABLE ${HISTORY_TABLE} SET SCHEMA ${hold};`,
      '  END IF;',
      'END',
      `${keepTag};`,
      '',
    ].join('\n'),
    carry: [
      '-- sdk: the audit history: the rows written after the backup, and one for this restore',
      `DO ${carryTag}`,
      'DECLARE',
      `  kept regclass := pg_catalog.to_regclass('${hold}.history');`,
      '  cols text;',
      '  seq regclass;',
      'BEGIN',
      `  IF pg_catalog.to_regclass('${HISTORY_TABLE}') IS NULL THEN`,
      '    IF kept IS NULL THEN RETURN; END IF;',
      `    CREATE SCHEMA IF NOT EXISTS ${METADATA_SCHEMA};`,
      `    ALTER TABLE ${hold}.history SET SCHEMA ${METADATA_SCHEMA};`,
      '  ELSIF kept IS NOT NULL THEN',
      `    ALTER TABLE ${HISTORY_TABLE} ADD COLUMN IF NOT EXISTS archive text;`,
      '    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), \', \' ORDER BY a.attnum) INTO cols',
      '      FROM pg_catalog.pg_attribute a',
      `     WHERE a.attrelid = '${HISTORY_TABLE}'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'id'`,
      '       AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute k WHERE k.attrelid = kept AND k.attname = a.attname AND k.attnum > 0 AND NOT k.attisdropped);',
      `    DELETE FROM ${HISTORY_TABLE} h USING ${hold}.history k WHERE (h.id, h.started_at) = (k.id, k.started_at);`,
      `    seq := pg_catalog.pg_get_serial_sequence('${HISTORY_TABLE}', 'id')::regclass;`,
      `    IF EXISTS (SELECT 1 FROM ${hold}.history k JOIN ${HISTORY_TABLE} h ON h.id = k.id) THEN`,
      `      PERFORM pg_catalog.setval(seq, m) FROM (SELECT max(id) AS m FROM ${HISTORY_TABLE}) x WHERE m IS NOT NULL;`,
      `      EXECUTE pg_catalog.format('INSERT INTO ${HISTORY_TABLE} (%1$s) SELECT %1$s FROM ${hold}.history ORDER BY id', cols);`,
      '    ELSE',
      `      EXECUTE pg_catalog.format('INSERT INTO ${HISTORY_TABLE} (id, %1$s) SELECT id, %1$s FROM ${hold}.history ORDER BY id', cols);`,
      `      PERFORM pg_catalog.setval(seq, m) FROM (SELECT max(id) AS m FROM ${HISTORY_TABLE}) x WHERE m IS NOT NULL;`,
      '    END IF;',
      '  END IF;',
      `  DROP SCHEMA IF EXISTS ${hold} CASCADE;`,
      `  ALTER TABLE ${HISTORY_TABLE} ADD COLUMN IF NOT EXISTS archive text;`,
      `  INSERT INTO ${HISTORY_TABLE} (started_at, finished_at, duration_ms, outcome, os_user, host, git_sha, phase, target_tag, current_tag, migrations, archive)`,
      `  VALUES (now(), clock_timestamp(), (extract(epoch FROM clock_timestamp() - now()) * 1000)::int, 'restored', ${literal(record.osUser)}, ${literal(record.host)}, ${literal(record.gitSha)},`,
      `          'restore', ${literal(record.backupNewest)}, ${literal(record.currentNewest)}, ARRAY[${record.undone.map(literal).join(', ')}]::text[], ${literal(record.archive)});`,
      'END',
      `${carryTag};`,
      '',
    ].join('\n'),
  };
}

/** A string literal (standard_conforming_strings is on: pg_restore's script sets it), or NULL. */
function literal(value: string | null): string {
  return value === null ? 'NULL' : `'${value.replace(/'/g, "''")}'`;
}
