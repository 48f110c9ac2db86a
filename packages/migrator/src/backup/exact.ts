import { quoteIdent } from '../db/sessions.js';
import type { Queryable } from '../db/metadata.js';
import type { ArchiveObject } from './archive.js';

/** An object in the target that the backup does not have: made after it (a migration, by hand). */
export interface ExtraObject {
  /** For people: `table public.feature_flags`. */
  label: string;
  /** The statement that drops it, run in the restore's transaction. */
  drop: string;
}

const EXTENSION_MEMBER = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;

const RELATION_KIND: Record<string, [string, string]> = {
  r: ['TABLE', 'table'],
  p: ['TABLE', 'table'],
  v: ['VIEW', 'view'],
  m: ['MATERIALIZED VIEW', 'materialized view'],
  S: ['SEQUENCE', 'sequence'],
  f: ['FOREIGN TABLE', 'foreign table'],
};

/**
 * What the target has that the archive does not: schemas, tables, views, sequences (not those a
 * column owns), types and domains, functions and procedures, made after the backup. `pg_restore
 * --clean` drops only what the archive holds, so without this a restored database would keep the
 * tables a rolled-back migration created, and the next `sdk db migrate` would fail on them.
 * Extension members are left to their extension.
 */
export async function objectsNotInArchive(db: Queryable, archive: ArchiveObject[]): Promise<ExtraObject[]> {
  const has = (kinds: string[]) => new Set(archive.filter((o) => kinds.includes(o.kind)).map((o) => `${o.schema}.${o.name}`));
  const archiveSchemas = new Set(archive.filter((o) => o.kind === 'SCHEMA').map((o) => o.name));
  const extras: ExtraObject[] = [];

  const { rows: schemas } = await db.query<{ name: string }>(
    `SELECT n.nspname AS name FROM pg_namespace n
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND n.nspname NOT LIKE 'pg\\_%'
        AND ${EXTENSION_MEMBER('pg_namespace', 'n.oid')}
      ORDER BY 1`,
  );
  for (const { name } of schemas) {
    if (!archiveSchemas.has(name)) extras.push({ label: `schema ${name} (and everything in it)`, drop: `DROP SCHEMA IF EXISTS ${quoteIdent(name)} CASCADE;` });
  }
  const kept = ['public', ...schemas.map((s) => s.name).filter((name) => archiveSchemas.has(name))];

  const relations = has(['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'SEQUENCE', 'FOREIGN TABLE']);
  const { rows: rels } = await db.query<{ schema: string; name: string; kind: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname = ANY ($1::text[])
        AND ${EXTENSION_MEMBER('pg_class', 'c.oid')}
        AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
      ORDER BY 1, 2`,
    [kept],
  );
  for (const r of rels) {
    if (relations.has(`${r.schema}.${r.name}`)) continue;
    const [sql, word] = RELATION_KIND[r.kind]!;
    extras.push({ label: `${word} ${r.schema}.${r.name}`, drop: `DROP ${sql} IF EXISTS ${quoteIdent(r.schema)}.${quoteIdent(r.name)} CASCADE;` });
  }

  const types = has(['TYPE', 'DOMAIN']);
  const { rows: typs } = await db.query<{ schema: string; name: string; domain: boolean }>(
    `SELECT n.nspname AS schema, t.typname AS name, t.typtype = 'd' AS domain FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY ($1::text[]) AND ${EXTENSION_MEMBER('pg_type', 't.oid')}
        AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
      ORDER BY 1, 2`,
    [kept],
  );
  for (const t of typs) {
    if (types.has(`${t.schema}.${t.name}`)) continue;
    extras.push({ label: `${t.domain ? 'domain' : 'type'} ${t.schema}.${t.name}`, drop: `DROP ${t.domain ? 'DOMAIN' : 'TYPE'} IF EXISTS ${quoteIdent(t.schema)}.${quoteIdent(t.name)} CASCADE;` });
  }

  const routines = has(['FUNCTION', 'PROCEDURE', 'AGGREGATE']);
  const { rows: procs } = await db.query<{ schema: string; name: string; signature: string; aggregate: boolean }>(
    `SELECT n.nspname AS schema, p.proname AS name, p.oid::regprocedure::text AS signature, p.prokind = 'a' AS aggregate
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY ($1::text[]) AND ${EXTENSION_MEMBER('pg_proc', 'p.oid')}
      ORDER BY 1, 2`,
    [kept],
  );
  for (const p of procs) {
    // Overloads are matched by name: the archive lists arguments in its own spelling.
    if (routines.has(`${p.schema}.${p.name}`)) continue;
    extras.push({ label: `${p.aggregate ? 'aggregate' : 'function'} ${p.signature}`, drop: `DROP ${p.aggregate ? 'AGGREGATE' : 'ROUTINE'} IF EXISTS ${p.signature} CASCADE;` });
  }
  return extras;
}
