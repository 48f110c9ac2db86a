// `pnpm bench lint`: lints a generated corpus of migration files (drizzle-kit output and
// hand-written migrations) with `sdk db lint` and with squawk, same files in the same run,
// wall-clock including process start, and reports the medians and, against their targets (issue 15):
// - the cold run (`--no-cache`: every file parsed and judged) / the parse floor (target <= 1.25);
// - the re-run with nothing changed (the last run's output replayed: apps/cli/src/lint-replay.ts) / squawk (target <= 0.6);
// - and, as before, the cold run / squawk.
//
// Flags: --reps N (timed runs per tool, default 7), --budget S (seconds for the timed runs,
// default 30: past it, no new run starts once 3 are done), --files N (corpus size, default
// 1200), --seed N (corpus seed), --verify 1 (also apply every project of the corpus to a real
// PostgreSQL, statement by statement, to prove the SQL is valid beyond parsing).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { BENCH_DIR, barChart, exec, flags, machine, median, printTable, writeResults } from './lib.mjs';

const TARGET_RATIO = 1.0;
/** The cold run against the parse floor, and the cached re-run against squawk (issue 15). */
const TARGET_FLOOR_RATIO = 1.25;
const TARGET_RERUN_RATIO = 0.6;
const ROOT = join(BENCH_DIR, '..');
const CLI = join(ROOT, 'apps', 'cli', 'dist', 'bin.js');
const FLOOR = join(BENCH_DIR, 'lint-floor.mjs');
const SQUAWK = join(BENCH_DIR, 'node_modules', '.bin', process.platform === 'win32' ? 'squawk.cmd' : 'squawk');
const BREAKPOINT = '\n--> statement-breakpoint\n';
const MAX_STATEMENTS = 30;
const MIN_REPS = 3;

// ---------------------------------------------------------------------------------------------
// Corpus generation: deterministic (seeded), several projects, each a drizzle migrations folder
// whose migrations build on each other (tables exist before they are altered, FKs point at
// existing keys), so both tools see the same history a real project has.
// ---------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, enough to make the corpus reproducible. */
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    /** `[[weight, value], ...]` */
    weighted(entries) {
      const total = entries.reduce((s, [w]) => s + w, 0);
      let x = next() * total;
      for (const [w, v] of entries) if ((x -= w) < 0) return v;
      return entries.at(-1)[1];
    },
  };
}

const TABLE_WORDS = [
  'users', 'accounts', 'sessions', 'organizations', 'memberships', 'projects', 'invoices', 'payments', 'subscriptions',
  'products', 'orders', 'order_items', 'events', 'audit_logs', 'api_keys', 'webhooks', 'notifications', 'comments',
  'posts', 'tags', 'files', 'teams', 'invitations', 'plans', 'coupons', 'refunds', 'shipments', 'addresses', 'carts',
  'reviews', 'messages', 'channels', 'tasks', 'documents', 'folders', 'integrations', 'credentials', 'devices',
  'locations', 'warehouses', 'suppliers', 'categories', 'prices', 'discounts', 'reports', 'dashboards', 'widgets',
];
const ADJECTIVES = ['brave', 'calm', 'clever', 'dusty', 'eager', 'fancy', 'gifted', 'happy', 'icy', 'jolly', 'keen', 'lazy', 'mighty', 'nervous', 'odd', 'proud', 'quick', 'rapid', 'shiny', 'tidy', 'useful', 'vivid', 'wise', 'young', 'zealous'];
const HEROES = ['wolverine', 'storm', 'thor', 'hulk', 'vision', 'gambit', 'rogue', 'cable', 'havok', 'nova', 'magneto', 'mystique', 'sentry', 'hawkeye', 'falcon', 'domino', 'bishop', 'blink', 'phoenix', 'beast', 'forge', 'jubilee', 'karma', 'longshot', 'morph'];

/** Column kinds: names, type, possible defaults, and the type an ALTER COLUMN TYPE moves it to. */
const COLUMN_KINDS = [
  { names: ['name', 'title', 'label', 'display_name'], type: 'text', literal: "'unknown'", to: ['varchar(255)'] },
  { names: ['email', 'contact_email', 'billing_email'], type: 'varchar(320)', literal: "'nobody@example.com'", to: ['text'] },
  { names: ['slug', 'code', 'handle', 'reference'], type: 'varchar(64)', literal: "''", defaults: ["''"], to: ['varchar(128)', 'text'] },
  { names: ['description', 'notes', 'bio', 'summary'], type: 'text', literal: "''", defaults: ["''"], to: ['varchar(1024)'] },
  { names: ['amount', 'price', 'total', 'balance'], type: 'numeric(12, 2)', literal: "'0'", defaults: ["'0'"], to: ['numeric(14, 2)', 'numeric(12, 4)'], check: (c) => `${c} >= 0` },
  { names: ['quantity', 'attempts', 'position', 'priority'], type: 'integer', literal: '0', defaults: ['0', '1'], to: ['bigint'], check: (c) => `${c} >= 0` },
  { names: ['views', 'size_bytes', 'counter'], type: 'bigint', literal: '0', defaults: ['0'], to: ['numeric(20, 0)'] },
  { names: ['is_active', 'is_public', 'archived', 'verified'], type: 'boolean', literal: 'false', defaults: ['true', 'false'] },
  { names: ['metadata', 'settings', 'payload', 'attributes'], type: 'jsonb', literal: "'{}'::jsonb", defaults: ["'{}'::jsonb"], gin: true },
  { names: ['expires_at', 'last_seen_at', 'published_at', 'completed_at'], type: 'timestamp with time zone', literal: 'now()', defaults: ['now()'], to: ['timestamp'] },
  { names: ['score', 'ratio', 'latitude', 'longitude'], type: 'double precision', literal: '0', to: ['numeric(12, 6)'] },
  { names: ['aliases', 'scopes', 'labels'], type: 'text[]', literal: "'{}'", defaults: ["'{}'"] },
  { names: ['ip_address', 'last_ip'], type: 'inet', literal: "'127.0.0.1'" },
  { names: ['token', 'external_id', 'public_id'], type: 'uuid', literal: 'gen_random_uuid()', defaults: ['gen_random_uuid()'] },
  { names: ['birth_date', 'due_date', 'start_date'], type: 'date', literal: 'CURRENT_DATE', defaults: ['CURRENT_DATE'], to: ['timestamp with time zone'] },
];

const ID_STYLES = [
  { def: (t) => `"id" serial PRIMARY KEY NOT NULL`, ref: 'integer' },
  { def: (t) => `"id" bigserial PRIMARY KEY NOT NULL`, ref: 'bigint' },
  { def: (t) => `"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL`, ref: 'uuid' },
  { def: (t) => `"id" text PRIMARY KEY NOT NULL`, ref: 'text' },
  {
    def: (t) => `"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "${t.schema}"."${t.name}_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1)`,
    ref: 'bigint',
    identity: true,
  },
];

const singular = (s) => (s.endsWith('sses') ? s.slice(0, -2) : s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.replace(/s$/, ''));
const quote = (s) => `'${s.replace(/'/g, "''")}'`;
const ident = (s) => `"${s}"`;

/** One project's migration history: the schema state the next migration is written against. */
class Project {
  constructor(name, schemas, r) {
    this.name = name;
    this.schemas = schemas;
    this.r = r;
    this.tables = [];
    this.enums = [];
    this.names = new Map(); // schema -> names taken in pg_class / pg_type (never reused)
    this.seq = 0;
    this.legacyUntil = r.int(0, 80); // older drizzle-kit: IF NOT EXISTS and DO $$ blocks
    this.hasTriggerFunction = false;
    this.idStyle = r.pick(ID_STYLES);
  }

  take(schema, base) {
    let set = this.names.get(schema);
    if (!set) this.names.set(schema, (set = new Set()));
    let name = base.slice(0, 60);
    for (let i = 2; set.has(name); i++) name = `${base.slice(0, 56)}_${i}`;
    set.add(name);
    return name;
  }

  /** How drizzle-kit names a table in DDL: `"users"` in public, `"auth"."users"` elsewhere. */
  q(t) {
    return t.schema === 'public' ? ident(t.name) : `${ident(t.schema)}.${ident(t.name)}`;
  }

  /** Index names are schema-local: `DROP INDEX "auth"."x"`. */
  qi(t, index) {
    return t.schema === 'public' ? ident(index) : `${ident(t.schema)}.${ident(index)}`;
  }

  plainColumns(t) {
    return [...t.cols.values()].filter((c) => !c.pk && !c.fk && !c.indexed && !c.check && !c.unique && !c.protected && !c.enum);
  }

  newColumn(t, kind = this.r.pick(COLUMN_KINDS)) {
    let name = this.r.pick(kind.names);
    for (let i = 2; t.cols.has(name); i++) name = `${this.r.pick(kind.names)}_${i}`;
    return { name, kind, type: kind.type, notNull: false, default: undefined };
  }
}

function columnDef(c) {
  const type = c.enum ? c.enum.q : c.type;
  return `${ident(c.name)} ${type}${c.pk ? ' PRIMARY KEY' : ''}${c.default !== undefined ? ` DEFAULT ${c.default}` : ''}${c.notNull ? ' NOT NULL' : ''}`;
}

/** Wraps a statement the way drizzle-kit before 0.22 did for enums and foreign keys. */
function doBlock(statement) {
  return `DO $$ BEGIN\n ${statement}\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;`;
}

/**
 * Actions: each writes the statements of one schema change and updates the project's state.
 * `hand` marks statements that only a person writes (custom migrations); they set the file's style.
 */
const ACTIONS = {
  createEnum(p, ctx) {
    const schema = p.r.pick(p.schemas);
    const name = p.take(schema, p.r.pick(['status', 'role', 'plan_tier', 'visibility', 'priority_level', 'channel_kind', 'currency']));
    const values = p.r.pick([['active', 'inactive', 'pending'], ['admin', 'member', 'viewer'], ['free', 'pro', 'enterprise'], ['public', 'private'], ['low', 'medium', 'high'], ['usd', 'eur', 'gbp', 'jpy']]);
    const e = { schema, name, q: `${ident(schema)}.${ident(name)}`, values: [...values] };
    p.enums.push(e);
    const sql = `CREATE TYPE ${e.q} AS ENUM(${values.map(quote).join(', ')});`;
    return [ctx.legacy ? doBlock(sql) : sql];
  },

  addEnumValue(p) {
    const e = p.enums.length ? p.r.pick(p.enums) : undefined;
    if (!e) return [];
    const value = `${p.r.pick(['archived', 'suspended', 'trial', 'owner', 'urgent', 'chf', 'internal'])}_${++p.seq}`;
    const before = p.r.chance(0.3) ? ` BEFORE ${quote(e.values[0])}` : '';
    e.values.push(value);
    return [`ALTER TYPE ${e.q} ADD VALUE ${quote(value)}${before};`];
  },

  createTable(p, ctx) {
    const schema = p.r.pick(p.schemas);
    const name = p.take(schema, p.r.pick(TABLE_WORDS));
    const t = { schema, name, cols: new Map(), constraints: new Map(), indexes: [], rows: false, trigger: false };
    const idStyle = p.r.chance(0.85) ? p.idStyle : p.r.pick(ID_STYLES);
    t.idType = idStyle.ref;
    t.cols.set('id', { name: 'id', pk: true, type: idStyle.ref, protected: true });
    const defs = [`\t${idStyle.def(t)}`];
    const out = [];
    const after = [];
    // References to existing tables (drizzle-kit adds the FKs after the CREATE TABLEs).
    const parents = p.tables.filter((x) => x !== t);
    for (let i = 0, n = parents.length ? p.r.int(0, 2) : 0; i < n; i++) {
      const parent = p.r.pick(parents);
      const col = `${singular(parent.name)}_id`;
      if (t.cols.has(col)) continue;
      const notNull = p.r.chance(0.6);
      t.cols.set(col, { name: col, type: parent.idType, notNull, fk: true });
      defs.push(`\t${ident(col)} ${parent.idType}${notNull ? ' NOT NULL' : ''}`);
      after.push(...ACTIONS.addForeignKey(p, ctx, { table: t, column: col, parent, fresh: true }));
    }
    for (let i = 0, n = p.r.int(1, 7); i < n; i++) {
      const c = p.newColumn(t);
      if (c.kind.defaults && p.r.chance(0.5)) c.default = p.r.pick(c.kind.defaults);
      c.notNull = p.r.chance(0.4);
      if (p.enums.length && p.r.chance(0.15)) {
        c.enum = p.r.pick(p.enums);
        c.kind = { names: [], type: c.enum.q, literal: quote(c.enum.values[0]) };
        c.name = t.cols.has('status') ? `kind_${++p.seq}` : 'status';
        c.default = p.r.chance(0.5) ? quote(c.enum.values[0]) : undefined;
      }
      t.cols.set(c.name, c);
      defs.push(`\t${columnDef(c)}`);
    }
    t.cols.set('created_at', { name: 'created_at', type: 'timestamp with time zone', notNull: true, protected: true });
    defs.push(`\t"created_at" timestamp with time zone DEFAULT now() NOT NULL`);
    if (p.r.chance(0.7)) {
      t.cols.set('updated_at', { name: 'updated_at', type: 'timestamp with time zone', notNull: true, protected: true });
      defs.push(`\t"updated_at" timestamp with time zone DEFAULT now() NOT NULL`);
    }
    const uniqueCandidate = [...t.cols.values()].find((c) => !c.pk && !c.fk && !c.enum && ['text', 'varchar(320)', 'varchar(64)'].includes(c.type));
    if (uniqueCandidate && p.r.chance(0.4)) {
      const cname = p.take(schema, `${name}_${uniqueCandidate.name}_unique`);
      uniqueCandidate.unique = true;
      t.constraints.set(cname, { kind: 'unique', col: uniqueCandidate.name });
      defs.push(`\tCONSTRAINT ${ident(cname)} UNIQUE(${ident(uniqueCandidate.name)})`);
    }
    const checked = [...t.cols.values()].find((c) => c.kind?.check && !c.check);
    if (checked && p.r.chance(0.3)) {
      const cname = `${name}_${checked.name}_check`;
      checked.check = true;
      t.constraints.set(cname, { kind: 'check', col: checked.name });
      defs.push(`\tCONSTRAINT ${ident(cname)} CHECK (${checked.kind.check(`${ident(name)}.${ident(checked.name)}`)})`);
    }
    out.push(`CREATE TABLE${ctx.legacy ? ' IF NOT EXISTS' : ''} ${p.q(t)} (\n${defs.join(',\n')}\n);`);
    p.tables.push(t);
    ctx.created.add(t);
    for (const [col, c] of t.cols) {
      if (c.fk && p.r.chance(0.7)) after.push(...ACTIONS.createIndex(p, ctx, { table: t, column: col, drizzle: true }));
    }
    return [...out, ...after];
  },

  addForeignKey(p, ctx, given) {
    let t = given?.table;
    let col = given?.column;
    let parent = given?.parent;
    if (!t) {
      if (p.tables.length < 2) return [];
      t = p.r.pick(p.tables);
      parent = p.r.pick(p.tables.filter((x) => x !== t));
      col = `${singular(parent.name)}_ref_${++p.seq}`;
      t.cols.set(col, { name: col, type: parent.idType, fk: true });
      ctx.pre.push(`ALTER TABLE ${p.q(t)} ADD COLUMN ${ident(col)} ${parent.idType};`);
    }
    const nullable = !t.cols.get(col).notNull;
    t.cols.get(col).fk = true;
    const name = `${t.name}_${col}_${parent.name}_id_fk`.slice(0, 63);
    if (t.constraints.has(name)) return [];
    t.constraints.set(name, { kind: 'fk', col, parent });
    const onDelete = p.r.pick(nullable ? ['cascade', 'set null', 'no action', 'restrict'] : ['cascade', 'no action', 'restrict']);
    const ref = `${ident(parent.schema)}.${ident(parent.name)}("id")`;
    if (!given?.fresh && ctx.hand) {
      // The safe way by hand: NOT VALID, then VALIDATE in its own statement.
      return [
        `ALTER TABLE ${p.q(t)} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${ident(col)}) REFERENCES ${ref} ON DELETE ${onDelete.toUpperCase()} NOT VALID;`,
        `ALTER TABLE ${p.q(t)} VALIDATE CONSTRAINT ${ident(name)};`,
      ];
    }
    const sql = `ALTER TABLE ${p.q(t)} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${ident(col)}) REFERENCES ${ref} ON DELETE ${onDelete} ON UPDATE no action;`;
    return [ctx.legacy ? doBlock(sql) : sql];
  },

  createIndex(p, ctx, given) {
    const t = given?.table ?? (p.tables.length ? p.r.pick(p.tables) : undefined);
    if (!t) return [];
    const candidates = [...t.cols.values()].filter((c) => !c.pk);
    if (!candidates.length) return [];
    const first = given?.column ? t.cols.get(given.column) : p.r.pick(candidates);
    const cols = [first];
    if (!given && p.r.chance(0.25)) {
      const second = p.r.pick(candidates);
      if (second !== first) cols.push(second);
    }
    const gin = cols.length === 1 && first.kind?.gin && !given;
    const unique = !gin && !given && !t.rows && p.r.chance(0.2);
    const partial = !gin && t.cols.has('deleted_at') && p.r.chance(0.5);
    const name = p.take(t.schema, `${t.name}_${cols.map((c) => c.name).join('_')}_${unique ? 'key' : 'idx'}`);
    for (const c of cols) c.indexed = true;
    t.indexes.push({ name, cols: cols.map((c) => c.name), unique });
    const concurrently = !given?.drizzle && (ctx.hand ? p.r.chance(0.85) : false);
    const method = gin ? 'gin' : 'btree';
    const list = cols.map((c) => ident(c.name)).join(',');
    const where = partial ? ` WHERE ${ident(t.name)}.${ident('deleted_at')} IS NULL` : '';
    const ine = ctx.legacy || (concurrently && p.r.chance(0.7)) ? ' IF NOT EXISTS' : '';
    return [`CREATE ${unique ? 'UNIQUE ' : ''}INDEX${concurrently ? ' CONCURRENTLY' : ''}${ine} ${ident(name)} ON ${p.q(t)} USING ${method} (${list})${where};`];
  },

  addColumn(p, ctx) {
    if (!p.tables.length) return [];
    const t = p.r.pick(p.tables);
    const out = [];
    for (let i = 0, n = p.r.int(1, 4); i < n; i++) {
      const c = p.newColumn(t);
      const style = p.r.weighted([[5, 'nullable'], [3, 'default'], [2, 'required'], [1, 'volatile']]);
      if (style === 'default' && c.kind.defaults) {
        c.default = c.kind.defaults.find((d) => !d.includes('(')) ?? c.kind.literal;
        c.notNull = p.r.chance(0.6);
      } else if (style === 'volatile' && c.kind.defaults?.some((d) => d.includes('('))) {
        c.default = c.kind.defaults.find((d) => d.includes('('));
        c.notNull = true;
      } else if (style === 'required' && !t.rows) {
        c.notNull = true; // unsafe on a table with rows: fails, or needs a default
      }
      if (c.name === 'deleted_at' || (!t.cols.has('deleted_at') && p.r.chance(0.1))) {
        c.name = 'deleted_at';
        c.type = 'timestamp with time zone';
        c.kind = COLUMN_KINDS.find((k) => k.type === 'timestamp with time zone');
        c.default = undefined;
        c.notNull = false;
      }
      t.cols.set(c.name, c);
      out.push(`ALTER TABLE ${p.q(t)} ADD COLUMN ${ctx.hand && p.r.chance(0.5) ? 'IF NOT EXISTS ' : ''}${columnDef(c)};`);
    }
    if (p.r.chance(0.3)) out.push(...ACTIONS.createIndex(p, ctx, { table: t, column: [...t.cols.keys()].at(-1) }));
    return out;
  },

  alterType(p, ctx) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && [...t.cols.values()].find((x) => !x.pk && !x.fk && !x.enum && x.kind?.to && x.type === x.kind.type && p.r.chance(0.5));
    if (!c) return [];
    const to = p.r.pick(c.kind.to);
    c.type = to;
    c.kind = { ...c.kind, to: undefined };
    const using = to === 'bigint' || to.startsWith('timestamp') ? ` USING ${ident(c.name)}::${to}` : '';
    return [`ALTER TABLE ${p.q(t)} ALTER COLUMN ${ident(c.name)} SET DATA TYPE ${to}${using};`];
  },

  setNotNull(p, ctx) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && [...t.cols.values()].find((x) => !x.notNull && !x.pk && x.kind);
    if (!c) return [];
    c.notNull = true;
    const out = [];
    if (t.rows || ctx.hand) out.push(`UPDATE ${p.q(t)} SET ${ident(c.name)} = ${c.enum ? quote(c.enum.values[0]) : c.kind.literal} WHERE ${ident(c.name)} IS NULL;`);
    if (ctx.hand && p.r.chance(0.6)) {
      // The safe pattern: a validated CHECK lets SET NOT NULL skip the scan.
      const check = `${t.name}_${c.name}_not_null`.slice(0, 63);
      out.push(
        `ALTER TABLE ${p.q(t)} ADD CONSTRAINT ${ident(check)} CHECK (${ident(c.name)} IS NOT NULL) NOT VALID;`,
        `ALTER TABLE ${p.q(t)} VALIDATE CONSTRAINT ${ident(check)};`,
        `ALTER TABLE ${p.q(t)} ALTER COLUMN ${ident(c.name)} SET NOT NULL;`,
        `ALTER TABLE ${p.q(t)} DROP CONSTRAINT ${ident(check)};`,
      );
    } else {
      out.push(`ALTER TABLE ${p.q(t)} ALTER COLUMN ${ident(c.name)} SET NOT NULL;`);
    }
    return out;
  },

  dropNotNull(p) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && [...t.cols.values()].find((x) => x.notNull && !x.pk && !x.protected);
    if (!c) return [];
    c.notNull = false;
    return [`ALTER TABLE ${p.q(t)} ALTER COLUMN ${ident(c.name)} DROP NOT NULL;`];
  },

  setDefault(p) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && [...t.cols.values()].find((x) => x.kind?.defaults && !x.enum);
    if (!c) return [];
    if (c.default !== undefined && p.r.chance(0.4)) {
      c.default = undefined;
      return [`ALTER TABLE ${p.q(t)} ALTER COLUMN ${ident(c.name)} DROP DEFAULT;`];
    }
    c.default = p.r.pick(c.kind.defaults);
    return [`ALTER TABLE ${p.q(t)} ALTER COLUMN ${ident(c.name)} SET DEFAULT ${c.default};`];
  },

  addCheck(p, ctx) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && [...t.cols.values()].find((x) => x.kind?.check && !x.check && x.type === x.kind.type);
    if (!c) return [];
    c.check = true;
    const name = `${t.name}_${c.name}_check`.slice(0, 63);
    t.constraints.set(name, { kind: 'check', col: c.name });
    if (ctx.hand) {
      return [
        `ALTER TABLE ${p.q(t)} ADD CONSTRAINT ${ident(name)} CHECK (${c.kind.check(ident(c.name))}) NOT VALID;`,
        `ALTER TABLE ${p.q(t)} VALIDATE CONSTRAINT ${ident(name)};`,
      ];
    }
    return [`ALTER TABLE ${p.q(t)} ADD CONSTRAINT ${ident(name)} CHECK (${c.kind.check(`${ident(t.name)}.${ident(c.name)}`)});`];
  },

  addUnique(p, ctx) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && [...t.cols.values()].find((x) => !x.pk && !x.unique && !x.fk && !x.enum && ['text', 'varchar(320)', 'varchar(64)', 'uuid'].includes(x.type));
    if (!c || t.rows) return [];
    c.unique = true;
    const name = p.take(t.schema, `${t.name}_${c.name}_unique`);
    t.constraints.set(name, { kind: 'unique', col: c.name });
    if (ctx.hand) {
      return [
        `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${ident(name)} ON ${p.q(t)} (${ident(c.name)});`,
        `ALTER TABLE ${p.q(t)} ADD CONSTRAINT ${ident(name)} UNIQUE USING INDEX ${ident(name)};`,
      ];
    }
    return [`ALTER TABLE ${p.q(t)} ADD CONSTRAINT ${ident(name)} UNIQUE(${ident(c.name)});`];
  },

  dropConstraint(p) {
    const t = p.tables.find((x) => [...x.constraints.values()].some((k) => k.kind !== 'unique'));
    if (!t) return [];
    const [name, k] = [...t.constraints.entries()].find(([, k]) => k.kind !== 'unique');
    t.constraints.delete(name);
    const c = t.cols.get(k.col);
    if (c && k.kind === 'check') c.check = false;
    return [`ALTER TABLE ${p.q(t)} DROP CONSTRAINT ${ident(name)};`];
  },

  renameColumn(p) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && p.plainColumns(t)[0];
    if (!c) return [];
    const to = `${c.name}_old`.length < 60 && !t.cols.has(`${c.name}_old`) ? `${c.name}_old` : `${c.name}_${++p.seq}`;
    t.cols.delete(c.name);
    const from = c.name;
    c.name = to;
    t.cols.set(to, c);
    return [`ALTER TABLE ${p.q(t)} RENAME COLUMN ${ident(from)} TO ${ident(to)};`];
  },

  renameTable(p) {
    const t = p.tables.length > 3 ? p.r.pick(p.tables) : undefined;
    if (!t) return [];
    const before = p.q(t);
    t.name = p.take(t.schema, p.r.pick([`legacy_${t.name}`, `${t.name}_v2`, `${t.name}_archive`]));
    return [`ALTER TABLE ${before} RENAME TO ${ident(t.name)};`];
  },

  dropColumn(p, ctx) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && p.plainColumns(t).at(-1);
    if (!c) return [];
    t.cols.delete(c.name);
    return [`ALTER TABLE ${p.q(t)} DROP COLUMN ${ctx.hand ? 'IF EXISTS ' : ''}${ident(c.name)};`];
  },

  dropIndex(p, ctx) {
    const t = p.tables.find((x) => x.indexes.some((i) => !i.unique));
    if (!t) return [];
    const index = t.indexes.find((i) => !i.unique);
    t.indexes.splice(t.indexes.indexOf(index), 1);
    for (const col of index.cols) {
      const c = t.cols.get(col);
      if (c && !t.indexes.some((i) => i.cols.includes(col))) c.indexed = false;
    }
    return [ctx.hand ? `DROP INDEX CONCURRENTLY IF EXISTS ${p.qi(t, index.name)};` : `DROP INDEX ${p.qi(t, index.name)};`];
  },

  dropTable(p, ctx) {
    if (p.tables.length < 6) return [];
    const t = p.r.pick(p.tables);
    p.tables.splice(p.tables.indexOf(t), 1);
    // CASCADE drops the foreign keys pointing at it.
    for (const other of p.tables) {
      for (const [name, k] of other.constraints) {
        if (k.parent === t) {
          other.constraints.delete(name);
          const c = other.cols.get(k.col);
          if (c) c.fk = false;
        }
      }
    }
    return [`DROP TABLE ${ctx.hand ? 'IF EXISTS ' : ''}${p.q(t)} CASCADE;`];
  },

  comment(p) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    if (!t) return [];
    const c = p.r.chance(0.5) ? p.r.pick([...t.cols.values()]) : undefined;
    const text = p.r.pick(["Owner's record; kept for audits", 'Soft-deleted rows keep their history', 'Filled by the nightly job', 'Do not use: replaced by the v2 API']);
    return [c ? `COMMENT ON COLUMN ${p.q(t)}.${ident(c.name)} IS ${quote(text)};` : `COMMENT ON TABLE ${p.q(t)} IS ${quote(text)};`];
  },

  trigger(p) {
    const t = p.tables.find((x) => x.cols.has('updated_at') && !x.trigger);
    if (!t) return [];
    t.trigger = true;
    const out = [];
    if (!p.hasTriggerFunction) {
      p.hasTriggerFunction = true;
      out.push(`CREATE OR REPLACE FUNCTION "public"."set_updated_at"() RETURNS trigger AS $$\nBEGIN\n  NEW."updated_at" = now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;`);
    }
    out.push(`CREATE TRIGGER ${ident(`${t.name}_set_updated_at`.slice(0, 63))} BEFORE UPDATE ON ${p.q(t)} FOR EACH ROW EXECUTE FUNCTION "public"."set_updated_at"();`);
    return out;
  },

  seed(p) {
    const t = p.tables.find(
      (x) => !x.rows && x.cols.get('id').type !== 'text' && !x.indexes.some((i) => i.unique) && ![...x.cols.values()].some((c) => c.unique || (c.notNull && !c.pk && !c.protected && c.default === undefined)),
    );
    if (!t) return [];
    t.rows = true;
    const rows = Array.from({ length: p.r.int(1, 4) }, () => '(now())');
    return [`INSERT INTO ${p.q(t)} ("created_at") VALUES ${rows.join(', ')};`];
  },

  backfill(p) {
    const t = p.tables.length ? p.r.pick(p.tables) : undefined;
    const c = t && [...t.cols.values()].find((x) => !x.pk && !x.fk && x.kind && !x.enum);
    if (!c) return [];
    return [`UPDATE ${p.q(t)} SET ${ident(c.name)} = ${c.kind.literal} WHERE ${ident(c.name)} IS NULL;`];
  },
};

/** What a migration does: drizzle-kit generated (most), or a custom one written by hand. */
const DRIZZLE_ACTIONS = [
  [6, 'createTable'], [10, 'addColumn'], [6, 'createIndex'], [4, 'addForeignKey'], [3, 'alterType'], [3, 'setNotNull'],
  [2, 'dropNotNull'], [3, 'setDefault'], [2, 'addCheck'], [2, 'addUnique'], [2, 'createEnum'], [2, 'addEnumValue'],
  [2, 'renameColumn'], [1, 'renameTable'], [3, 'dropColumn'], [2, 'dropIndex'], [1, 'dropTable'], [1, 'dropConstraint'],
];
const HAND_ACTIONS = [
  [6, 'createIndex'], [3, 'setNotNull'], [3, 'addForeignKey'], [2, 'addCheck'], [2, 'addUnique'], [3, 'backfill'],
  [2, 'comment'], [2, 'trigger'], [1, 'seed'], [2, 'addColumn'], [1, 'dropIndex'], [1, 'dropColumn'],
];

function writeMigration(p, index) {
  const r = p.r;
  const hand = index > 0 && r.chance(0.22);
  const ctx = { hand, legacy: !hand && index < p.legacyUntil, pre: [], created: new Set() };
  const statements = [];
  if (index === 0) {
    for (const s of p.schemas) if (s !== 'public') statements.push(`CREATE SCHEMA${ctx.legacy ? ' IF NOT EXISTS' : ''} ${ident(s)};`);
    if (r.chance(0.6)) statements.push(...ACTIONS.createEnum(p, ctx));
  }
  // Most migrations are small; first migrations and big features create several tables at once.
  const size = index === 0 ? r.int(4, 8) : r.weighted([[10, 1], [6, 2], [3, 3], [2, r.int(4, 6)], [1, r.int(7, 12)]]);
  for (let i = 0; i < size && statements.length < MAX_STATEMENTS; i++) {
    const action = index === 0 ? 'createTable' : r.weighted(hand ? HAND_ACTIONS : DRIZZLE_ACTIONS);
    ctx.pre = [];
    const produced = ACTIONS[action](p, ctx);
    const all = [...ctx.pre, ...produced];
    if (statements.length + all.length > MAX_STATEMENTS && statements.length > 0) break;
    statements.push(...all);
  }
  if (statements.length === 0) statements.push(...ACTIONS.comment(p, ctx), ...(p.tables.length ? [] : ACTIONS.createTable(p, ctx)));
  let text;
  if (hand) {
    const header = r.pick(['-- Custom SQL migration file, put your code below! --', `-- ${r.pick(['Backfill', 'Online index', 'Constraint', 'Cleanup', 'Ops'])}: written by hand, see the runbook`]);
    const timeouts = r.chance(0.4) ? ["SET lock_timeout = '5s';", "SET statement_timeout = '15min';"] : [];
    statements.unshift(...timeouts);
    text = `${header}\n${statements.join(r.chance(0.5) ? '\n\n' : '\n')}\n`;
  } else {
    text = statements.join(BREAKPOINT);
  }
  const tag = `${String(index).padStart(4, '0')}_${r.pick(ADJECTIVES)}_${r.pick(HEROES)}`;
  return { tag, text, statements, hand };
}

/** Writes the corpus under `root`: `count` migrations over a few projects, each with a drizzle journal. */
export async function generateCorpus(root, { count, seed }) {
  const r = random(seed);
  const projectSpecs = [
    ['shop', ['public', 'billing']],
    ['identity', ['auth', 'public']],
    ['analytics', ['analytics']],
    ['platform', ['public', 'ops', 'audit']],
  ];
  const per = Math.ceil(count / projectSpecs.length);
  const projects = [];
  let files = 0;
  let statements = 0;
  for (const [name, schemas] of projectSpecs) {
    const n = Math.min(per, count - files);
    if (n <= 0) break;
    const p = new Project(name, schemas, random(r.int(1, 2 ** 31)));
    const folder = join(root, name, 'drizzle');
    await mkdir(join(folder, 'meta'), { recursive: true });
    const entries = [];
    const migrations = [];
    for (let i = 0; i < n; i++) {
      const m = writeMigration(p, i);
      await writeFile(join(folder, `${m.tag}.sql`), m.text);
      entries.push({ idx: i, version: '7', when: 1_700_000_000_000 + i * 60_000, tag: m.tag, breakpoints: true });
      migrations.push({ file: join(folder, `${m.tag}.sql`), statements: m.statements });
      statements += m.statements.length;
    }
    await writeFile(join(folder, 'meta', '_journal.json'), `${JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2)}\n`);
    projects.push({ name, folder, migrations });
    files += n;
  }
  return { projects, files, statements, paths: projects.flatMap((p) => p.migrations.map((m) => m.file)) };
}

/** `--verify 1`: applies every project to a fresh database, statement by statement. */
async function verifyCorpus(corpus) {
  const { startTestServer, createTestDatabase, ADMIN_URL_ENV } = await import('@big0290/testing');
  const server = await startTestServer();
  process.env[ADMIN_URL_ENV] = server.adminUrl;
  let failures = 0;
  try {
    for (const project of corpus.projects) {
      const db = await createTestDatabase('benchlint');
      const client = await db.pool.connect();
      try {
        for (const m of project.migrations) {
          for (const sql of m.statements) {
            try {
              await client.query(sql);
            } catch (error) {
              failures++;
              if (failures <= 20) console.error(`  verify: ${relative(ROOT, m.file)}: ${error.message}\n    ${sql.split('\n')[0]}`);
            }
          }
        }
      } finally {
        client.release();
        await db.drop();
      }
    }
  } finally {
    await server.stop();
  }
  console.error(`  verify: ${failures === 0 ? 'every statement applied' : `${failures} statement(s) failed`} on PostgreSQL (${server.source})`);
  if (failures > 0) throw new Error('the generated corpus is not valid SQL for PostgreSQL');
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------


/** `sdk db lint --format json`: files, statements and violations from its report. */
function readSdk(result) {
  if (result.code !== 0 && result.code !== 1) throw new Error(`sdk db lint exited ${result.code}: ${result.stderr.trim().slice(0, 500)}`);
  const report = JSON.parse(result.stdout);
  const byRule = {};
  let violations = 0;
  let statements = 0;
  for (const f of report.files) {
    statements += f.statements?.length ?? 0;
    for (const v of f.violations) {
      byRule[v.rule] = (byRule[v.rule] ?? 0) + 1;
      violations++;
    }
  }
  return { files: report.files.length, statements, violations, errors: report.errors, warnings: report.warnings, byRule };
}

/** squawk's default reporter ends with `Found N issues in M files (checked K source files)`. */
function readSquawkSummary(result) {
  if (result.code !== 0 && result.code !== 1) throw new Error(`squawk exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(0, 500)}`);
  const plain = result.stdout.replace(/\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\/g, '');
  const found = /Found (\d+) issues? in (\d+) files? \(checked (\d+) source files?\)/.exec(plain);
  if (found) return { violations: Number(found[1]), filesWithIssues: Number(found[2]), files: Number(found[3]) };
  const clean = /checked (\d+) source files?/.exec(plain);
  if (clean) return { violations: 0, filesWithIssues: 0, files: Number(clean[1]) };
  throw new Error(`could not read squawk's summary line:\n${plain.slice(-500)}`);
}

/** `squawk --reporter json`: an array of findings. */
function readSquawkJson(result) {
  if (result.code !== 0 && result.code !== 1) throw new Error(`squawk exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(0, 500)}`);
  const byRule = {};
  const findings = JSON.parse(result.stdout || '[]');
  for (const v of findings) byRule[v.rule_name] = (byRule[v.rule_name] ?? 0) + 1;
  return { violations: findings.length, byRule };
}

export async function run(argv) {
  if (!existsSync(CLI)) throw new Error('apps/cli is not built: run `pnpm -w build` first, then the benchmark again');
  if (!existsSync(SQUAWK)) throw new Error('squawk is not installed: run `pnpm install` (squawk-cli is a devDependency of bench/)');
  const { reps: wantedReps, files: count, seed, verify, budget } = flags(argv, { reps: 7, files: 1200, seed: 20240601, verify: 0, budget: 30 });
  if (count < 1000) console.error(`bench lint: note: ${count} files is below the 1,000 the benchmark is specified for`);

  const work = await mkdtemp(join(tmpdir(), 'bench-lint-'));
  try {
    const corpusDir = join(work, 'corpus');
    // A project root with node_modules, so the lint cache lives in node_modules/.cache/sdk of the
    // work folder (as in a real project) and goes with it.
    await mkdir(join(work, 'node_modules'), { recursive: true });
    const corpus = await generateCorpus(corpusDir, { count, seed });
    const fileArgs = corpus.paths.map((f) => relative(work, f));
    console.error(`bench lint: ${corpus.files} files, ${corpus.statements} statements in ${corpus.projects.length} projects, ${wantedReps} timed runs per tool after a warm-up`);
    if (verify) await verifyCorpus(corpus);

    // No DATABASE_URL: the linter must not try to read a server version.
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const squawkArgs = ['--pg-version', '18', ...fileArgs];
    const sdkArgs = [CLI, 'db', 'lint', 'corpus', '--format', 'json', '--pg-version', '18'];
    const contenders = {
      // Cold: every file read, parsed and judged (the cache neither read nor written).
      'sdk db lint': () => exec(process.execPath, [...sdkArgs, '--no-cache'], { cwd: work, env }),
      // Re-run with nothing changed: the output the warm-up recorded, replayed (--verbose says so).
      'sdk re-run': () => exec(process.execPath, [...sdkArgs, '--verbose'], { cwd: work, env }),
      // `--reporter json` makes squawk faster than its default reporter (which draws a code frame
      // per finding), and matches sdk's --format json: the stricter comparison for sdk.
      squawk: () => exec(SQUAWK, ['--reporter', 'json', ...squawkArgs], { cwd: work, env }),
      // Floors, timed in the same runs but not contenders: what any Node linter on libpg-query pays
      // before its first rule (start Node, load the parser, read and parse every file), and Node alone.
      'parse floor': () => exec(process.execPath, [FLOOR, 'corpus'], { cwd: work, env }),
      'node start': () => exec(process.execPath, ['-e', ''], { cwd: work, env }),
    };
    const names = Object.keys(contenders);
    const readFloor = (result) => {
      if (result.code !== 0) throw new Error(`the parse floor exited ${result.code}: ${result.stderr.trim().slice(0, 500)}`);
      const parsed = Number(result.stderr.trim());
      if (parsed !== corpus.statements) throw new Error(`the parse floor parsed ${parsed} statements, expected ${corpus.statements}`);
      return {};
    };
    const readNode = (result) => {
      if (result.code !== 0) throw new Error(`node -e '' exited ${result.code}`);
      return {};
    };
    const readRerun = (result) => {
      const hits = /lint cache .*: (\d+) file\(s\) from the cache, (\d+) judged\./.exec(result.stderr);
      if (!hits) throw new Error(`sdk db lint --verbose did not say what its cache did:\n${result.stderr.slice(-500)}`);
      if (found['sdk re-run'] && (Number(hits[1]) !== corpus.files || Number(hits[2]) !== 0)) throw new Error(`the re-run took ${hits[1]} reports from the cache and judged ${hits[2]} files: not a re-run with nothing changed`);
      if (found['sdk re-run'] && result.stdout !== coldStdout) throw new Error('the re-run printed another report than the cold run');
      if (found['sdk re-run'] && !result.stderr.includes("Replayed the last run's output")) throw new Error(`the re-run was not replayed:\n${result.stderr.slice(-500)}`);
      return readSdk(result);
    };
    let coldStdout;
    const readers = { 'sdk db lint': readSdk, 'sdk re-run': readRerun, squawk: readSquawkJson, 'parse floor': readFloor, 'node start': readNode };
    const loadBefore = loadavg();
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    const found = {};
    // Warm-up (page cache, V8 code cache), and checks that both tools read every file and parse all of it:
    // squawk's JSON lists findings only, so its default reporter's summary line counts the files checked.
    const check = await exec(SQUAWK, squawkArgs, { cwd: work, env });
    const squawkSummary = readSquawkSummary(check);
    if (squawkSummary.files !== corpus.files) throw new Error(`squawk checked ${squawkSummary.files} files, expected ${corpus.files}`);
    for (const name of names) {
      const result = await contenders[name]();
      if (name === 'sdk db lint') coldStdout = result.stdout;
      found[name] = readers[name](result);
      // The warm-up filled the cache; from now on, every re-run must be answered by it in full.
      if (name === 'sdk re-run') readers[name](await contenders[name]());
      if (name === 'sdk db lint' && found[name].files !== corpus.files) throw new Error(`sdk db lint checked ${found[name].files} files, expected ${corpus.files}`);
      console.error(`  warm-up ${name}: ${result.ms.toFixed(0)} ms${found[name].violations === undefined ? "" : `, ${found[name].violations} violations`}`);
    }
    if (found.squawk.violations !== squawkSummary.violations) throw new Error(`squawk's JSON has ${found.squawk.violations} findings, its summary ${squawkSummary.violations}`);
    found.squawk.files = squawkSummary.files;
    found.squawk.filesWithIssues = squawkSummary.filesWithIssues;
    console.error(`  squawk with its default reporter: ${check.ms.toFixed(0)} ms (one run, not timed against sdk), checked ${squawkSummary.files} files`);
    if (found['sdk db lint'].byRule['syntax-error']) throw new Error(`sdk db lint found ${found['sdk db lint'].byRule['syntax-error']} syntax errors in the corpus`);
    if (found.squawk.byRule['syntax-error']) throw new Error(`squawk found ${found.squawk.byRule['syntax-error']} syntax errors in the corpus`);

    // Keep `pnpm bench lint` well under a minute on a slow or busy machine: past the time budget for
    // the timed runs, stop after the current pair (never before MIN_REPS pairs) and say so.
    const budgetEnds = performance.now() + budget * 1000;
    let reps = 0;
    for (let rep = 0; rep < wantedReps; rep++) {
      if (rep >= MIN_REPS && performance.now() > budgetEnds) {
        console.error(`  stopping after ${rep} runs: the time budget (--budget ${budget} s) is spent`);
        break;
      }
      reps++;
      // Alternate who goes first, so neither always runs on a machine the other just warmed or loaded.
      const order = rep % 2 === 0 ? names : [...names].reverse();
      for (const name of order) {
        const result = await contenders[name]();
        const seen = readers[name](result);
        if (seen.violations !== found[name].violations) throw new Error(`${name} found ${seen.violations} violations in run ${rep + 1}, ${found[name].violations} in the warm-up`);
        samples[name].push(result.ms);
      }
      console.error(`  run ${rep + 1}/${wantedReps}: ${names.map((n) => `${n} ${samples[n].at(-1).toFixed(0)} ms`).join(', ')}`);
    }

    const ours = median(samples['sdk db lint']);
    const theirs = median(samples.squawk);
    const ratio = ours / theirs;
    // Each run's pair ran back to back, so the median of per-run ratios is less sensitive to load that comes and goes.
    const pairedRatio = median(samples['sdk db lint'].map((ms, i) => ms / samples.squawk[i]));
    const floor = median(samples['parse floor']);
    const nodeStart = median(samples['node start']);
    const floorRatio = floor / theirs;
    const rerun = median(samples['sdk re-run']);
    const coldFloorRatio = ours / floor;
    const rerunRatio = rerun / theirs;
    const pairedColdFloorRatio = median(samples['sdk db lint'].map((ms, i) => ms / samples['parse floor'][i]));
    const pairedRerunRatio = median(samples['sdk re-run'].map((ms, i) => ms / samples.squawk[i]));
    const load = { before: loadBefore, after: loadavg() };
    const within = (value, target) => (value <= target ? 'within target' : 'ABOVE target');
    const rows = [['tool', 'median ms', 'min ms', 'max ms', 'ms per file', 'violations']];
    for (const n of names) {
      const m = median(samples[n]);
      rows.push([n, m.toFixed(1), Math.min(...samples[n]).toFixed(1), Math.max(...samples[n]).toFixed(1), (m / corpus.files).toFixed(3), String(found[n].violations ?? '-')]);
    }
    printTable(rows);
    const mach = machine();
    const verdict = ratio <= TARGET_RATIO ? 'within' : 'ABOVE';
    const summary = [
      `cold run / parse floor = ${coldFloorRatio.toFixed(2)} (target <= ${TARGET_FLOOR_RATIO}: ${within(coldFloorRatio, TARGET_FLOOR_RATIO)}); sdk db lint --no-cache ${ours.toFixed(0)} ms, parse floor (Node + libpg-query, read and parse only) ${floor.toFixed(0)} ms (median per-run ratio ${pairedColdFloorRatio.toFixed(2)}); sdk's rule work and report above the floor ${(ours - floor).toFixed(0)} ms.`,
      `re-run with nothing changed / squawk = ${rerunRatio.toFixed(2)} (target <= ${TARGET_RERUN_RATIO}: ${within(rerunRatio, TARGET_RERUN_RATIO)}); sdk db lint replayed ${rerun.toFixed(0)} ms, squawk ${theirs.toFixed(0)} ms (median per-run ratio ${pairedRerunRatio.toFixed(2)}).`,
      `cold run / squawk = ${ratio.toFixed(2)} (target <= ${TARGET_RATIO}: ${verdict} target; median per-run ratio ${pairedRatio.toFixed(2)}); parse floor = ${floorRatio.toFixed(2)} x squawk; node start ${nodeStart.toFixed(0)} ms.`,
      `${corpus.files} files, ${corpus.statements} statements, median of ${reps}, ${mach.cpus} CPUs, Node ${process.version}; load average ${load.before.map((l) => l.toFixed(2)).join(' ')} before the timed runs, ${load.after.map((l) => l.toFixed(2)).join(' ')} after.`,
    ].map((line) => `- ${line}`).join('\n');
    console.log(summary);
    const squawkVersion = (await exec(SQUAWK, ['--version'], { env })).stdout.trim();
    const dir = await writeResults('lint', {
      json: {
        benchmark: 'lint',
        date: new Date().toISOString(),
        machine: mach,
        corpus: { files: corpus.files, statements: corpus.statements, projects: corpus.projects.map((p) => ({ name: p.name, files: p.migrations.length })), seed },
        commands: {
          sdk: `node apps/cli/dist/bin.js db lint <corpus> --format json --pg-version 18 --no-cache`,
          sdkRerun: `node apps/cli/dist/bin.js db lint <corpus> --format json --pg-version 18 --verbose  (after a run that recorded itself in node_modules/.cache/sdk/lint-runs: replayed)`,
          parseFloor: 'node bench/lint-floor.mjs <corpus>',
          nodeStart: "node -e ''",
          squawk: `bench/node_modules/.bin/squawk --reporter json --pg-version 18 <${corpus.files} files>  (${squawkVersion})`,
        },
        squawkDefaultReporterMs: check.ms,
        reps,
        requestedReps: wantedReps,
        samples,
        medians: { sdk: ours, sdkRerun: rerun, squawk: theirs, parseFloor: floor, nodeStart },
        floorRatio,
        ratio,
        pairedRatio,
        targetRatio: TARGET_RATIO,
        coldFloorRatio,
        pairedColdFloorRatio,
        targetColdFloorRatio: TARGET_FLOOR_RATIO,
        rerunRatio,
        pairedRerunRatio,
        targetRerunRatio: TARGET_RERUN_RATIO,
        loadAverage: load,
        violations: {
          sdk: { total: found['sdk db lint'].violations, errors: found['sdk db lint'].errors, warnings: found['sdk db lint'].warnings, statementsSeen: found['sdk db lint'].statements, byRule: found['sdk db lint'].byRule },
          squawk: { total: found.squawk.violations, filesWithIssues: found.squawk.filesWithIssues, byRule: found.squawk.byRule },
        },
      },
      tableRows: rows,
      summary: `\`sdk db lint\` cold (\`--no-cache\`: every file parsed and judged) and re-run with nothing changed (the last run's output replayed from node_modules/.cache/sdk/lint-runs after a stat of each file it read) vs squawk (${squawkVersion}) and the parse floor, linting the same ${corpus.files} generated migration files (${corpus.statements} statements: drizzle-kit output and hand-written migrations, seed ${seed}) in the same run; wall-clock per whole run including process start, warm-up run first, tools alternating. The re-run's report is checked byte-identical to the cold run's. Violations are informational: the tools have different rules.\n\n${summary}`,
      chart: barChart(`Lint ${corpus.files} migrations (median of ${reps}; cold/floor ${coldFloorRatio.toFixed(2)}, re-run/squawk ${rerunRatio.toFixed(2)})`, [
        { label: 'sdk db lint (cold)', value: ours, color: '#2f855a' },
        { label: 'sdk db lint (re-run)', value: rerun, color: '#68d391' },
        { label: 'squawk', value: theirs, color: '#4a5568' },
        { label: 'parse floor', value: floor, color: '#a0aec0' },
        { label: 'node start', value: nodeStart, color: '#cbd5e0' },
      ]),
    });
    console.error(`results written to ${dir}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
