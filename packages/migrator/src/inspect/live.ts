import type pg from 'pg';
import { QUERY_TEXT_LIMIT } from '../db/sessions.js';
import { notNullCheckColumn, type ConstraintInfo, type SchemaKnowledge, lockModeFromPg } from '../lint/index.js';
import { bodyOf, list } from '../sql/ast.js';
import { parseStatements } from '../sql/parse.js';
import type { LockSession } from './types.js';

type Queryable = Pick<pg.Client, 'query'>;

/** A transaction open longer than this is flagged: it holds its locks, and CONCURRENTLY waits for it. */
export const DEFAULT_LONG_TRANSACTION_SECONDS = 60;

/** `schema.name` -> [schema, name]; the linter's keys put the schema first, unqualified names in `public`. */
function splitKey(key: string): [string, string] {
  const dot = key.indexOf('.');
  return dot < 0 ? ['public', key] : [key.slice(0, dot), key.slice(dot + 1)];
}

export function keyArrays(keys: readonly string[]): [string[], string[]] {
  const split = keys.map(splitKey);
  return [split.map((s) => s[0]), split.map((s) => s[1])];
}

export const MATCH_KEYS = `(n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

/** pg_constraint.contype -> the linter's constraint kinds (NOT NULL constraints of PostgreSQL 18 and triggers left out). */
const CONTYPE: Record<string, ConstraintInfo['kind']> = { c: 'check', f: 'foreign', u: 'unique', p: 'primary', x: 'exclusion' };

/**
 * Seeds the linter's knowledge with facts of the live database: the column types and constraints
 * of the given tables, and the volatility of every function (the most volatile of a name's
 * overloads). Facts from the database count as older than every pending file.
 */
export async function seedKnowledge(db: Queryable, knowledge: SchemaKnowledge, tables: readonly string[]): Promise<void> {
  const [schemas, names] = keyArrays(tables);
  if (tables.length > 0) {
    const { rows: columns } = await db.query<{ key: string; column: string; typname: string; elem: string | null; formatted: string; notnull: boolean }>(
      `SELECT n.nspname || '.' || c.relname AS key, a.attname AS column, t.typname, e.typname AS elem,
              format_type(a.atttypid, a.atttypmod) AS formatted, a.attnotnull AS notnull
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
        WHERE a.attnum > 0 AND NOT a.attisdropped AND ${MATCH_KEYS}`,
      [schemas, names],
    );
    for (const row of columns) {
      // format_type spells the modifiers as written in SQL: character varying(20), numeric(10,2), timestamp(3) with time zone.
      const mods = /\((\d+(?:,\d+)*)\)/.exec(row.formatted)?.[1];
      knowledge.setColumn(row.key, row.column, {
        name: row.elem ?? row.typname,
        typmods: mods ? mods.split(',').map(Number) : [],
        array: row.elem !== null,
      });
      knowledge.setNotNull(row.key, row.column, row.notnull);
    }
    const { rows: constraints } = await db.query<{ key: string; name: string; contype: string; validated: boolean; def: string }>(
      `SELECT n.nspname || '.' || c.relname AS key, con.conname AS name, con.contype::text AS contype,
              con.convalidated AS validated, pg_get_constraintdef(con.oid) AS def
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${MATCH_KEYS}`,
      [schemas, names],
    );
    for (const row of constraints) {
      const kind = CONTYPE[row.contype];
      if (!kind) continue;
      knowledge.setConstraint(row.key, row.name, {
        kind,
        validated: row.validated,
        notNullColumn: kind === 'check' ? checkedNotNullColumn(row.def) : undefined,
        addedIn: { file: -1, statement: -1 },
      });
    }
  }
  // Every index of the user's schemas: DROP INDEX and REINDEX INDEX name only the index, and lock its table too.
  const { rows: indexes } = await db.query<{ index: string; table: string; columns: (string | null)[] }>(
    `SELECT ni.nspname || '.' || ci.relname AS index, nt.nspname || '.' || ct.relname AS table,
            ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                   ORDER BY k.ord)::text[] AS columns
       FROM pg_index x
       JOIN pg_class ci ON ci.oid = x.indexrelid
       JOIN pg_namespace ni ON ni.oid = ci.relnamespace
       JOIN pg_class ct ON ct.oid = x.indrelid
       JOIN pg_namespace nt ON nt.oid = ct.relnamespace
      WHERE ni.nspname NOT IN ('pg_catalog', 'information_schema') AND ni.nspname NOT LIKE 'pg\\_toast%'`,
  );
  for (const row of indexes) knowledge.indexes.set(row.index, { table: row.table, columns: row.columns.map((c) => c ?? undefined) });
  // Every foreign key of the user's schemas: dropping one locks the referenced table, a new type for a
  // referenced column rebuilds the keys pointing at it, TRUNCATE ... CASCADE empties their tables.
  const { rows: foreignKeys } = await db.query<{ name: string; table: string; references: string; columns: string[]; refcolumns: string[] }>(
    `SELECT con.conname AS name, nt.nspname || '.' || ct.relname AS table, nr.nspname || '.' || cr.relname AS references,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
            ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS refcolumns
       FROM pg_constraint con
       JOIN pg_class ct ON ct.oid = con.conrelid
       JOIN pg_namespace nt ON nt.oid = ct.relnamespace
       JOIN pg_class cr ON cr.oid = con.confrelid
       JOIN pg_namespace nr ON nr.oid = cr.relnamespace
      WHERE con.contype = 'f' AND nt.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  knowledge.foreignKeys = foreignKeys.map((row) => ({ name: row.name, table: row.table, references: row.references, columns: row.columns, refColumns: row.refcolumns }));
  // Partitioned tables and their partitions: the safe index recipe goes partition by partition.
  const { rows: partitioned } = await db.query<{ parent: string; partitions: string[] }>(
    `SELECT n.nspname || '.' || c.relname AS parent,
            ARRAY(SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i
                    JOIN pg_class pc ON pc.oid = i.inhrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                   WHERE i.inhparent = c.oid ORDER BY 1)::text[] AS partitions
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'p' AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  for (const row of partitioned) knowledge.partitioned.set(row.parent, new Set(row.partitions));
  const { rows: functions } = await db.query<{ name: string; volatility: 'i' | 's' | 'v' }>(
    `SELECT lower(proname) AS name,
            CASE max(CASE provolatile WHEN 'v' THEN 3 WHEN 's' THEN 2 ELSE 1 END) WHEN 3 THEN 'v' WHEN 2 THEN 's' ELSE 'i' END AS volatility
       FROM pg_proc GROUP BY lower(proname)`,
  );
  for (const row of functions) knowledge.functions.set(row.name, row.volatility);
}

/** The column a CHECK definition (`CHECK ((phone IS NOT NULL))`) proves NOT NULL, read with the real parser. */
function checkedNotNullColumn(definition: string): string | undefined {
  try {
    const [statement] = parseStatements(`ALTER TABLE t ADD CONSTRAINT c ${definition}`);
    const cmd = bodyOf(list(bodyOf(statement?.node, 'AlterTableStmt')?.cmds)[0], 'AlterTableCmd');
    return notNullCheckColumn(bodyOf(cmd?.def, 'Constraint'));
  } catch {
    return undefined;
  }
}

const RELKIND: Record<string, string> = {
  r: 'table', p: 'partitioned table', m: 'materialized view', i: 'index', I: 'partitioned index', v: 'view', f: 'foreign table', S: 'sequence', t: 'TOAST table', c: 'composite type',
};

export function relkindName(relkind: string): string {
  return RELKIND[relkind] ?? relkind;
}

interface SessionRow {
  pid: number;
  usename: string | null;
  application_name: string | null;
  state: string | null;
  xact_seconds: string | null;
  state_seconds: string | null;
  wait_event: string | null;
  query: string | null;
  relation: string | null;
  mode: string | null;
  granted: boolean | null;
}

/**
 * Who holds or waits for a lock on the given relations right now (pg_locks joined with
 * pg_stat_activity), and, separately, the other sessions of this database that sit in a long
 * transaction or idle in transaction: a migration's ACCESS EXCLUSIVE lock queues behind the
 * first kind, and CREATE INDEX CONCURRENTLY waits for every older transaction, including the second.
 */
export async function lockSessions(
  db: Queryable,
  oids: readonly number[],
  longSeconds = DEFAULT_LONG_TRANSACTION_SECONDS,
): Promise<{ lockHolders: LockSession[]; longTransactions: LockSession[] }> {
  const { rows } = await db.query<SessionRow>(
    `SELECT a.pid, a.usename, a.application_name, a.state, a.wait_event,
            extract(epoch FROM clock_timestamp() - a.xact_start) AS xact_seconds,
            extract(epoch FROM clock_timestamp() - a.state_change) AS state_seconds,
            left(a.query, ${QUERY_TEXT_LIMIT * 2}) AS query,
            n.nspname || '.' || c.relname AS relation, l.mode, l.granted
       FROM pg_stat_activity a
       LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'relation' AND l.relation = ANY ($1::oid[])
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       LEFT JOIN pg_class c ON c.oid = l.relation
       LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE a.pid <> pg_backend_pid() AND a.datname = current_database() AND a.backend_type = 'client backend'
        AND (l.pid IS NOT NULL OR a.state LIKE 'idle in transaction%' OR a.xact_start < clock_timestamp() - make_interval(secs => $2))
      ORDER BY a.xact_start NULLS LAST, a.pid, relation`,
    [oids, longSeconds],
  );
  const byPid = new Map<number, LockSession>();
  for (const row of rows) {
    let session = byPid.get(row.pid);
    if (!session) {
      const transactionSeconds = row.xact_seconds === null ? null : Math.round(Number(row.xact_seconds));
      const query = (row.query ?? '').replace(/\s+/g, ' ').trim();
      session = {
        pid: row.pid,
        user: row.usename,
        application: row.application_name,
        state: row.state,
        transactionSeconds,
        stateSeconds: row.state_seconds === null ? null : Math.round(Number(row.state_seconds)),
        waitEvent: row.wait_event,
        query: query.length > QUERY_TEXT_LIMIT ? `${query.slice(0, QUERY_TEXT_LIMIT - 1)}…` : query,
        locks: [],
        holding: false,
        waiting: false,
        idleInTransaction: (row.state ?? '').startsWith('idle in transaction'),
        longTransaction: transactionSeconds !== null && transactionSeconds >= longSeconds,
      };
      byPid.set(row.pid, session);
    }
    if (row.relation && row.mode) {
      session.locks.push({ relation: row.relation, mode: lockModeFromPg(row.mode) ?? row.mode, granted: row.granted === true });
      if (row.granted) session.holding = true;
      else session.waiting = true;
    }
  }
  const sessions = [...byPid.values()];
  return { lockHolders: sessions.filter((s) => s.locks.length > 0), longTransactions: sessions.filter((s) => s.locks.length === 0) };
}
