import { join } from 'node:path';
import { describePlan, isMigratorError, operationFiles, OPERATIONS, status, writeOperation, type OperationPlan, type PlannedFile } from '@big0290/migrator';
import { connect } from '@big0290/migrator/connect';
import { MigratorError } from '@big0290/migrator/errors';
import { lastSnapshot, schemaChange, type DrizzleSnapshot, type SchemaEdit } from '../drizzle-schema.js';
import { flagOf, MAX_NAME_LENGTH, OPERATION_FLAG_NAMES, OPERATION_FORMS, operationName, usageOf, type OperationFlags, type OperationForm } from '../operation-forms.js';
import type { DataMigrationsFlags, MigrationsFlags, TargetFlags } from '../options.js';
import type { Output } from '../output.js';
import { dataMigrationsFolderOf, displayPath, migrationsFolderOf } from '../project.js';
import { UsageError } from '../run.js';
import { resolveTarget } from '../target.js';

export interface DbNewOptions extends TargetFlags, MigrationsFlags, DataMigrationsFlags, OperationFlags {
  name?: string | undefined;
  dryRun?: boolean | undefined;
}

/**
 * `sdk db new <operation> [args]`: checks an expand/contract operation against the database,
 * then writes its migrations and data migrations into the project (drizzle-kit's journal and
 * snapshot included), or with --dry-run prints them and writes nothing.
 */
export async function dbNew(kind: string, args: readonly string[], options: DbNewOptions, out: Output): Promise<number> {
  const form = formOf(kind);
  const input = inputOf(form, args, options);
  const operation = OPERATIONS.get(kind);
  if (!operation) {
    throw new MigratorError('E_OPERATION', `${kind} is not an operation of this build of @big0290/migrator`, { hint: `the operations it has: ${[...OPERATIONS.keys()].join(', ')}` });
  }
  if (options.name !== undefined && !new RegExp(`^[a-z0-9_]{1,${MAX_NAME_LENGTH}}$`).test(options.name)) {
    throw new UsageError(`--name ${options.name}: an operation name is lower-case letters, digits and _ (at most ${MAX_NAME_LENGTH}), e.g. ${operationName(form.name(args, options))}`);
  }
  const migrationsFolder = await migrationsFolderOf(options.migrations);
  const dataMigrationsFolder = await dataMigrationsFolderOf(options.dataMigrations, migrationsFolder);
  const taken = new Set((await operationFiles(migrationsFolder)).map((f) => f.name));
  const name = options.name ?? freeName(operationName(form.name(args, options)), taken);
  if (taken.has(name)) {
    throw new MigratorError('E_OPERATION', `the migrations folder has an operation named ${name} already`, { hint: 'pick another name with --name (`sdk db status` lists the operations)' });
  }

  const target = await resolveTarget(options, out);
  let plan: OperationPlan;
  let resolved: unknown;
  let applied: Set<string>;
  try {
    const client = await connect(target.url, { applicationName: 'sdk db new' });
    try {
      resolved = await operation.resolve(client, input);
      plan = operation.plan(resolved);
    } catch (error) {
      throw withFormFlags(error, form);
    } finally {
      await client.end().catch(() => {});
    }
    // What the database has applied: writeOperation refuses to write behind another operation's pending contract.
    const report = await status({ databaseUrl: target.url, migrationsFolder });
    applied = new Set(report.migrations.filter((m) => m.state === 'applied' || m.state === 'modified').map((m) => m.tag));
  } finally {
    await target.close();
  }

  const before = lastSnapshot(migrationsFolder);
  const schema = schemaChange(kind, input, (resolved ?? {}) as Record<string, unknown>, before);
  const written = await writeOperation(plan, {
    migrationsFolder,
    dataMigrationsFolder,
    name,
    command: commandOf(form, args, options, name),
    dryRun: options.dryRun ?? false,
    applied,
    finalSnapshot: schema.snapshot ? (s) => schema.snapshot!(s as DrizzleSnapshot) as typeof s : undefined,
  });
  const files = written.files.map((f) => ({ ...f, path: f.kind === 'migration' ? join(migrationsFolder, `${f.name}.sql`) : join(dataMigrationsFolder, `${f.name}.mjs`) }));
  const snapshotUpdated = before !== undefined && schema.snapshot !== undefined;
  const next = nextSteps(plan);
  const undo = undoNote(plan, name);
  if (out.json) {
    out.resultJson({
      dryRun: options.dryRun ?? false,
      operation: kind,
      name,
      summary: plan.summary,
      plan,
      files: files.map((f) => ({ kind: f.kind, phase: f.phase, name: f.name, path: f.path, after: f.after ?? null, text: f.text })),
      written: written.paths,
      drizzleSchema: { edits: schema.edits, snapshotUpdated },
      next,
      undo: undo ?? null,
    });
    return 0;
  }
  out.result(render({ dryRun: options.dryRun ?? false, kind, name, plan, files, schema: schema.edits, snapshotUpdated, hasSnapshot: before !== undefined, next, undo, migrationsFolder }));
  return 0;
}

function formOf(kind: string): OperationForm {
  const form = OPERATION_FORMS.find((f) => f.kind === kind);
  if (form) return form;
  const close = OPERATION_FORMS.filter((f) => resembles(kind, f.kind)).map((f) => f.kind);
  throw new UsageError(
    `unknown operation ${kind}${close.length ? ` (did you mean ${close.join(' or ')}?)` : ''}; sdk db new knows ${OPERATION_FORMS.map((f) => f.kind).join(', ')} (\`sdk db new --help\` shows each form)`,
  );
}

/** `add-column` for add-required-column (each word starts one of its words), `add-indx` for add-index (a typo or two). */
function resembles(typed: string, kind: string): boolean {
  const words = kind.split('-');
  const typedWords = typed.toLowerCase().split(/[-_\s]+/).filter(Boolean);
  if (typedWords.length > 0 && typedWords.every((w) => words.some((k) => k.startsWith(w.slice(0, Math.max(3, w.length - 1)))))) return true;
  return editDistance(typed.toLowerCase(), kind) <= 2;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** The operation's input from the command line: its positional arguments and only the flags it takes. */
function inputOf(form: OperationForm, args: readonly string[], flags: OperationFlags): Record<string, unknown> {
  const usage = `usage: sdk db new ${usageOf(form)}`;
  if (args.length !== form.args.length) {
    throw new UsageError(`${form.kind} takes ${form.args.length} argument${form.args.length === 1 ? '' : 's'} (${form.args.join(', ')}), not ${args.length}; ${usage}`);
  }
  const own = new Set(form.flags.map((f) => f.flag));
  const foreign = OPERATION_FLAG_NAMES.filter((f) => !own.has(f) && flags[f] !== undefined && !(Array.isArray(flags[f]) && flags[f].length === 0));
  if (foreign.length > 0) throw new UsageError(`${foreign.map(flagOf).join(', ')} ${foreign.length === 1 ? 'does' : 'do'} not apply to ${form.kind}; ${usage}`);
  const missing = form.flags.filter((f) => f.required && flags[f.flag] === undefined);
  if (missing.length > 0) throw new UsageError(`${form.kind} needs ${missing.map((f) => flagOf(f.flag)).join(' and ')}; ${usage}`);
  for (const pair of flags.columnType ?? []) {
    if (!/^[^=]+=.+$/.test(pair)) throw new UsageError(`--column-type ${pair}: expected column=type, e.g. --column-type id=bigint`);
  }
  return form.input(args, flags);
}

/** `add_users_phone_number`, else `_2`, `_3`... when an operation of the folder has that name. */
function freeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
}

/**
 * An operation's input calls the index or constraint name `name`; this command calls it
 * --index-name or --constraint-name (its --name names the operation), so the library's hint is
 * mapped here rather than through the one table of flags.ts.
 */
function withFormFlags(error: unknown, form: OperationForm): unknown {
  if (!form.objectNameFlag || !isMigratorError(error) || !error.hint?.includes('`name`')) return error;
  return new MigratorError(error.code, error.message, { cause: error, hint: error.hint.replace(/`name`/g, flagOf(form.objectNameFlag)) });
}

/** A word as a POSIX shell reads it back: plain, else in single quotes, else (it holds one) in double quotes. */
function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  if (!word.includes("'")) return `'${word}'`;
  return `"${word.replace(/["$`\\]/g, '\\$&')}"`;
}

/** The command recorded in the files: the operation, its arguments and flags, and the name (never a database URL). */
function commandOf(form: OperationForm, args: readonly string[], flags: OperationFlags, name: string): string {
  const words = ['sdk', 'db', 'new', form.kind, ...args];
  for (const { flag } of form.flags) {
    const value = flags[flag];
    if (value === undefined || value === false) continue;
    if (value === true) words.push(flagOf(flag));
    else for (const v of Array.isArray(value) ? value : [value]) words.push(flagOf(flag), v);
  }
  words.push('--name', name);
  return words.map(shellWord).join(' ');
}

/** What to run after writing the files, in order. */
function nextSteps(plan: OperationPlan): string[] {
  const expands = plan.steps.some((s) => s.phase !== 'contract');
  const contracts = plan.steps.some((s) => s.phase === 'contract');
  const steps = ['review the files and commit them'];
  const backfills = plan.steps.some((s) => s.phase === 'backfill');
  if (expands) steps.push(`pnpm sdk db migrate --phase expand: ${contracts ? `applies the expand migration${backfills ? 's and the backfill' : ''}, and stops before the contract` : 'applies it (there is no contract step)'}`);
  if (contracts) {
    steps.push(plan.deploy);
    steps.push('pnpm sdk db migrate: applies the contract');
  }
  return steps;
}

/** How to undo the expand, when there is one to undo. */
function undoNote(plan: OperationPlan, name: string): string | undefined {
  if (!plan.steps.some((s) => s.phase !== 'contract')) return undefined;
  return plan.steps.some((s) => s.phase === 'contract')
    ? `Until the contract runs, \`pnpm sdk db rollback-operation ${name}\` undoes the expand.`
    : `\`pnpm sdk db rollback-operation ${name}\` undoes it.`;
}

function render(r: {
  dryRun: boolean;
  kind: string;
  name: string;
  plan: OperationPlan;
  files: Array<PlannedFile & { path: string }>;
  schema: SchemaEdit[];
  snapshotUpdated: boolean;
  hasSnapshot: boolean;
  next: string[];
  undo: string | undefined;
  migrationsFolder: string;
}): string {
  const lines: string[] = [];
  const what = `the ${r.kind} operation ${r.name}: ${r.plan.summary}`;
  if (r.dryRun) {
    lines.push(`Dry run: nothing was written. sdk db new would write ${what}.`, '', describePlan(r.plan), '');
    for (const f of r.files) lines.push(`--- ${displayPath(f.path)}`, f.text.trimEnd(), '');
    const entries = r.files.filter((f) => f.kind === 'migration').length;
    lines.push(`(and ${entries} ${entries === 1 ? 'entry' : 'entries'} in ${displayPath(join(r.migrationsFolder, 'meta', '_journal.json'))}${r.hasSnapshot ? ', with their snapshots' : ''})`);
  } else {
    lines.push(`Wrote ${what}:`);
    for (const f of r.files) lines.push(`  ${displayPath(f.path)}`);
    lines.push(`  (and their entries in ${displayPath(join(r.migrationsFolder, 'meta', '_journal.json'))}${r.hasSnapshot ? ', with their snapshots' : ''})`, '', describePlan(r.plan));
  }
  const missing = r.plan.steps.find((s) => s.kind === 'backfill' && s.missing !== undefined);
  if (missing) {
    const data = r.files.find((f) => f.kind === 'data-migration');
    lines.push('', `No value for the existing rows was given: ${data ? `set \`value\` in ${displayPath(data.path)}` : 'edit the data migration'} (an SQL expression), or write the operation again with --backfill; until then its data migration refuses to run.`);
  }
  if (r.schema.length > 0) {
    const snapshot = r.snapshotUpdated
      ? "drizzle-kit's snapshot already describes the schema after the contract, so once your schema says the same, `pnpm db:generate` finds nothing to do"
      : r.hasSnapshot
        ? "drizzle-kit's snapshot was not updated for this one: after you change the schema, `pnpm db:generate` writes this change again; delete that migration (keep its snapshot)"
        : 'the migrations folder has no drizzle-kit snapshot to update';
    lines.push('', `Drizzle schema (best effort; ${snapshot}):`, ...r.schema.flatMap((e) => [`  ${e.say}`, ...(e.code ? [`    ${e.code}`] : [])]));
  }
  lines.push('', r.dryRun ? 'Without --dry-run, next:' : 'Next:', ...r.next.map((s, i) => `  ${i + 1}. ${s}`));
  if (r.undo) lines.push(r.undo);
  return lines.join('\n');
}
