import { knownTable, type ColumnInfo, type TableInfo } from '../../operations/catalog.js';
import type { OperationPlan, OperationStep } from '../../operations/types.js';
import type { SchemaKnowledge } from '../knowledge.js';
import { ident } from '../rewrite.js';
import { shellWord } from './backfill-helpers.js';
import { typeLabel } from './rewrites-helpers.js';

/**
 * The linter's help for a statement an operation replaces is that operation's plan, printed: the
 * rule builds the operation's resolved input from what it knows (the statement, and what earlier
 * migrations said about the table: column types, NOT NULL, defaults), calls `plan()`, and prints
 * its steps here, with the `sdk db new` command that writes them as files. What the help advises
 * and what runs are the same steps, so they cannot drift apart.
 */

/** Where a value the user has to give stands in a plan and in its command. */
export const VALUE_PLACEHOLDER = '<value>';

/** The note of a plan that stands for a statement found inside a DO block. */
export const IN_PLACE_OF_DO_BLOCK = 'These steps replace the DO block the statement is in.';

/** A table by its relationKey (`auth.users`), as the operations name it (`"auth"."users"`). */
export function tableOfKey(key: string): TableInfo {
  const dot = key.indexOf('.');
  return knownTable(key.slice(0, dot), key.slice(dot + 1));
}

/**
 * A column of an existing table as the operations need it, from what the migrations linted so
 * far say: its type (`<type>` when unknown), whether it is NOT NULL, its default.
 */
export function knownColumn(knowledge: SchemaKnowledge, table: string, column: string): ColumnInfo {
  const type = knowledge.columnType(table, column);
  const filled = knowledge.columnDefault(table, column);
  return {
    name: column,
    type: type ? typeLabel(type) : '<type>',
    notNull: knowledge.isNotNull(table, column) === true,
    // A DEFAULT whose text was not found stays visible as a placeholder in the plan.
    default: filled?.kind === 'expression' ? filled.sql : filled?.kind === 'unknown' ? '<default>' : null,
    identity: filled?.kind === 'sequence',
    generated: filled?.kind === 'generated',
  };
}

/** A flag of `sdk db new`: `--type "varchar(20)"`, or `--unique` for `true`; left out when undefined. */
export type CommandFlags = Record<string, string | true | undefined>;

/**
 * `sdk db new <kind> <table> [positional...] [--flag value...]`: the table as `splitName` reads it
 * (`auth.users`, `public.` left out, quoted where PostgreSQL would fold it), column names as they
 * are, every value quoted for a POSIX shell.
 */
export function newCommand(kind: string, table: Pick<TableInfo, 'schema' | 'name'>, positional: readonly string[], flags: CommandFlags = {}): string {
  const words = [shellWord(tableArgument(table)), ...positional.map(shellWord)];
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    words.push(value === true ? `--${flag}` : `--${flag} ${shellWord(value)}`);
  }
  return `sdk db new ${kind} ${words.join(' ')}`;
}

/** A table as `sdk db new` reads it: `auth.users`, `users` for public, quoted where PostgreSQL would fold it. */
export function tableArgument(table: Pick<TableInfo, 'schema' | 'name'>): string {
  return `${table.schema === 'public' ? '' : `${ident(table.schema)}.`}${ident(table.name)}`;
}

export interface PlanHelp {
  /** The sentence the steps follow, without its colon: "Instead, add the column in steps". */
  intro: string;
  plan: OperationPlan;
  /** The `sdk db new` command that writes the plan (newCommand). */
  command: string;
  /** Steps of the user's own that come first (the ADD COLUMN without its CHECK), numbered before the plan's. */
  before?: readonly string[] | undefined;
  /** Lines after the steps: special cases, the other way. */
  notes?: readonly string[] | undefined;
}

/** What a step runs, as the help shows it: its SQL, or the batched UPDATE / INSERT of a data migration. */
export function stepText(step: OperationStep): string {
  if (step.kind === 'sql') return step.sql;
  if (step.kind === 'backfill') return `UPDATE ${step.table} SET ${step.set}${step.where ? ` WHERE ${step.where}` : ''}`;
  return `INSERT INTO ${step.into} (${step.columns.join(', ')}) SELECT ${step.select.join(', ')} FROM ${step.table}`;
}

/**
 * The help: the intro, the user's own first steps, then the plan's steps numbered in order under
 * their phase (expand, backfill, contract, with what to deploy before the contract), each with
 * its SQL and what it locks; then the command that writes them, and the notes.
 */
export function planHelp(help: PlanHelp): string {
  const { plan } = help;
  const lines = [`${help.intro}:`];
  const before = help.before ?? [];
  before.forEach((step, i) => lines.push(`${i + 1}. ${step}`));
  let n = before.length;
  let phase: string | undefined;
  const seen = new Set<OperationStep['phase']>();
  for (const step of plan.steps) {
    if (step.phase !== phase) {
      phase = step.phase;
      lines.push(phaseHeading(plan, step.phase, seen));
      seen.add(step.phase);
    }
    n++;
    const how = step.kind !== 'sql' ? ', in batches' : '';
    const where = step.kind === 'sql' ? `${step.transaction ? '' : ' (outside a transaction)'}${step.afterCommit ? ' (starts a new migration)' : ''}` : '';
    lines.push(`${n}. ${step.name}${where}: \`${stepText(step)}\`${how}`);
    if (step.locks !== 'none') lines.push(`   locks: ${step.locks}`);
  }
  const count = n - before.length;
  const steps = before.length > 0 ? (count === 1 ? `step ${n}` : `steps ${before.length + 1} to ${n}`) : count === 1 ? 'this step' : 'these steps';
  const files = count === 1 ? 'a migration file' : `migration files${plan.steps.some((s) => s.kind !== 'sql') ? ' and a data migration' : ''}`;
  // `sdk db new` checks the operation against the database: what the user's own steps add must be there first.
  const once = before.length === 0 ? '' : `Once ${before.length === 1 ? 'step 1 is' : `steps 1 to ${before.length} are`} applied, `;
  const written = `\`${help.command}\` writes ${steps} as ${files}; for a migration drizzle-kit generated, \`pnpm db:generate --safe\` writes ${count === 1 ? 'it' : 'them'} in its place.`;
  lines.push(once ? `${once}${written}` : written);
  lines.push(...(help.notes ?? []));
  return lines.join('\n');
}

/**
 * The heading of a run of steps of one phase: when and by what it runs. A plan may go back to a
 * backfill inside its contract (rows the old version wrote since the first backfill): the files
 * run in the plan's order, the data migration between two contract migrations.
 */
function phaseHeading(plan: OperationPlan, phase: OperationStep['phase'], seen: ReadonlySet<OperationStep['phase']>): string {
  if (phase === 'expand') return 'expand, before the deploy (`pnpm sdk db migrate --phase expand` applies it):';
  if (phase === 'backfill') {
    if (seen.has('contract')) return 'backfill, a data migration `pnpm sdk db migrate` runs between the contract migrations:';
    return seen.has('expand')
      ? 'backfill, a data migration the same command runs right after the expand:'
      : 'backfill, a data migration `pnpm sdk db migrate --phase expand` runs before the deploy:';
  }
  if (seen.has('contract')) return 'contract, continued:';
  return `Before the contract: ${plan.deploy}.\ncontract, after the deploy (\`pnpm sdk db migrate\` applies it):`;
}
