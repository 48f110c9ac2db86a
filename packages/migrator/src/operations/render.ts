import { METADATA_SCHEMA } from '../db/metadata.js';
import type { BackfillStep, CopyStep, OperationPlan, OperationStep, SqlStep } from './types.js';
import { literal } from './steps.js';

/**
 * A plan as files: each run of SQL steps that may share a transaction, within one phase, is a
 * migration file (a step that must follow a commit starts a new one); each run of backfill or
 * copy steps is a tracked data migration that runs right after the migration before it. The
 * first contract file starts with a guard that refuses to run before those data migrations
 * finished, whatever runs it.
 */
export interface PlannedFile {
  kind: 'migration' | 'data-migration';
  phase: 'expand' | 'contract' | 'backfill';
  /** Tag or data-migration name (no extension). */
  name: string;
  /** File text: SQL for a migration, an ES module for a data migration. */
  text: string;
  /** For a data migration: the tag of the migration it follows. */
  after?: string | undefined;
}

export interface RenderOptions {
  /** Operation name, used in file names and recorded in each file (`add_phone`). */
  name: string;
  /** Index (journal idx) of the first migration file. */
  firstIndex: number;
  /** The command that wrote the files, recorded in their header. */
  command: string;
}

type Unit = { type: 'sql'; phase: 'expand' | 'contract'; steps: SqlStep[]; tag?: string } | { type: 'data'; steps: Array<BackfillStep | CopyStep>; name?: string; after?: string };

const pad = (n: number) => String(n).padStart(4, '0');

/** Groups the steps into files, in order. */
function units(steps: readonly OperationStep[]): Unit[] {
  const out: Unit[] = [];
  for (const step of steps) {
    const last = out.at(-1);
    if (step.kind === 'sql') {
      // The runner applies one lock timeout per file (the shortest of its steps'). Steps that share
      // a transaction share it; a step outside a transaction (CREATE INDEX CONCURRENTLY) with
      // another one gets a file of its own, as a short one would make its build fail on any
      // transaction it waits for.
      const apart = (a: SqlStep, b: SqlStep) => (!a.transaction || !b.transaction) && a.lockTimeoutMs !== b.lockTimeoutMs;
      if (last?.type === 'sql' && last.phase === step.phase && !step.afterCommit && !last.steps.some((s) => apart(s, step))) last.steps.push(step);
      else out.push({ type: 'sql', phase: step.phase, steps: [step] });
    } else {
      // A data migration runs after a schema migration: a plan that starts with one gets an
      // expand migration of its own to follow (it changes nothing).
      if (!last) out.push({ type: 'sql', phase: 'expand', steps: [] });
      if (last?.type === 'data') last.steps.push(step);
      else out.push({ type: 'data', steps: [step] });
    }
  }
  return out;
}

const comment = (text: string) => text.split('\n').map((l) => `-- ${l}`.trimEnd()).join('\n');

/** The plan's files, named `<index>_<name>_<phase>[_n]`. */
export function renderPlan(plan: OperationPlan, options: RenderOptions): PlannedFile[] {
  const all = units(plan.steps);
  // Names first: a data migration names the tag it follows, a guard the data migrations before it.
  let index = options.firstIndex;
  const counts = new Map<string, number>();
  let lastTag: string | undefined;
  for (const unit of all) {
    const base = unit.type === 'sql' ? unit.phase : 'backfill';
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    const suffix = n === 1 ? base : `${base}_${n}`;
    if (unit.type === 'sql') {
      unit.tag = `${pad(index++)}_${options.name}_${suffix}`;
      lastTag = unit.tag;
    } else {
      unit.after = lastTag;
      unit.name = `${lastTag!.split('_')[0]}_${options.name}_${suffix}`;
    }
  }
  const total = all.length;
  const files: PlannedFile[] = [];
  const dataBefore: string[] = [];
  let guarded = false;
  all.forEach((unit, i) => {
    const position = `${options.name} ${plan.operation} (${i + 1} of ${total})`;
    if (unit.type === 'data') {
      files.push({ kind: 'data-migration', phase: 'backfill', name: unit.name!, after: unit.after, text: dataMigration(plan, unit.steps, unit.after!, position, options.command) });
      dataBefore.push(unit.name!);
      return;
    }
    const lines = [
      `-- sdk:phase ${unit.phase}`,
      `-- sdk:operation ${position}: ${plan.summary}`,
      `-- Written by \`${options.command}\`.`,
    ];
    if (unit.steps.length > 0) lines.push(`-- sdk:lock-timeout ${Math.min(...unit.steps.map((s) => s.lockTimeoutMs))}ms`);
    // A statement of several lines (a default with a newline in a string) goes on as `-- sdk:rollback| ` lines.
    if (i === 0) for (const statement of plan.rollback) lines.push(...statement.split('\n').map((l, k) => `-- sdk:rollback${k === 0 ? '' : '|'} ${l}`));
    if (unit.steps.length === 0) lines.push('-- Nothing to change before the backfill: this migration marks where it runs.');
    for (const step of unit.steps) lines.push(comment(`${step.name}: ${step.locks}`));
    if (unit.phase === 'contract' && i > 0 && all[i - 1]!.type !== 'sql') lines.push(comment(`Runs after the deploy: ${plan.deploy}.`));
    const statements: string[] = [];
    if (unit.phase === 'contract' && !guarded && dataBefore.length > 0) {
      guarded = true;
      statements.push(guard(dataBefore));
    }
    statements.push(...unit.steps.map((s) => s.sql));
    files.push({ kind: 'migration', phase: unit.phase, name: unit.tag!, text: `${lines.join('\n')}\n${statements.join('\n--> statement-breakpoint\n')}\n` });
  });
  return files;
}

/**
 * Refuses to run the contract before the backfills it depends on finished: they are recorded in
 * sdk_migrator.data_migrations by `sdk db migrate`. Reading one row, under no lock.
 */
function guard(names: readonly string[]): string {
  const list = names.map(literal).join(', ');
  const first = names[0]!;
  return `DO $sdk$
BEGIN
  IF to_regclass('${METADATA_SCHEMA}.data_migrations') IS NULL THEN
    RAISE EXCEPTION 'the backfill % has not run: sdk db migrate runs it (data migration) before this contract migration', ${literal(first)};
  END IF;
  IF (SELECT count(*) FROM ${METADATA_SCHEMA}.data_migrations WHERE name IN (${list}) AND outcome = 'finished') < ${names.length} THEN
    RAISE EXCEPTION 'the backfill of this operation has not finished (data migrations %): run sdk db migrate, which resumes it, before the contract', ${literal(names.join(', '))};
  END IF;
END
$sdk$;`;
}

function dataMigration(plan: OperationPlan, steps: Array<BackfillStep | CopyStep>, after: string, position: string, command: string): string {
  // One placeholder per value not given (`value`, `value2`...): several columns of one data
  // migration (generate --safe joins the backfills of a migration's operations) each need theirs.
  const missing = steps.filter((s): s is BackfillStep => s.kind === 'backfill' && s.missing !== undefined);
  const placeholder = (s: BackfillStep) => (missing.indexOf(s) === 0 ? 'value' : `value${missing.indexOf(s) + 1}`);
  const calls = steps.map((s) => {
    if (s.kind === 'copy') {
      return `    await copy(${JSON.stringify({ table: s.table, into: s.into, columns: s.columns, select: s.select }, null, 2).replace(/\n/g, '\n    ')});`;
    }
    const set = s.missing !== undefined ? `${JSON.stringify(s.set.replace(/ = NULL$/, ' = '))} + ${placeholder(s)}` : JSON.stringify(s.set);
    return `    await backfill({ table: ${JSON.stringify(s.table)}, set: ${set}, where: ${JSON.stringify(s.where ?? null)} });`;
  });
  const uses = [...new Set(steps.map((s) => (s.kind === 'copy' ? 'copy' : 'backfill')))].join(', ');
  const lines = [
    `// sdk:operation ${position}: ${steps.map((s) => s.name).join(', ')}`,
    `// Written by \`${command}\`. \`sdk db migrate\` runs it right after ${after}, under the migration lock;`,
    '// run again after an interruption, it resumes after the last batch it committed (docs/backfill.md).',
  ];
  if (missing.length === 1) {
    lines.push(
      '',
      '// The value for the existing rows was not given. Put it here as an SQL expression (it may read',
      "// the row's other columns), e.g. \"'unknown'\", and this data migration will run.",
      'const value = undefined;',
    );
  } else if (missing.length > 1) {
    lines.push(
      '',
      '// The values for the existing rows were not given. Put each here as an SQL expression (it may',
      "// read the row's other columns), e.g. \"'unknown'\", and this data migration will run.",
      ...missing.map((s) => `const ${placeholder(s)} = undefined; // ${s.table}: ${s.set.replace(/ = NULL$/, '')}`),
    );
  }
  lines.push(
    '',
    'export default {',
    `  after: ${JSON.stringify(after)},`,
    `  description: ${JSON.stringify(`${plan.summary}: ${steps.map((s) => s.name).join(', ')}`)},`,
    `  async run({ ${uses} }) {`,
    ...missing.map((s) => `    if (${placeholder(s)} === undefined) throw new Error(${JSON.stringify(s.missing)});`),
    ...calls,
    '  },',
    '};',
  );
  return `${lines.join('\n')}\n`;
}

/** The plan as text, for a dry run and for the linter's help: numbered steps with their phase and locks. */
export function describePlan(plan: OperationPlan): string {
  const lines = [`${plan.operation}: ${plan.summary}`];
  let n = 0;
  let phase: string | undefined;
  for (const step of plan.steps) {
    if (step.phase !== phase) {
      phase = step.phase;
      lines.push(phase === 'contract' ? `contract (after the deploy: ${plan.deploy}):` : `${phase}:`);
    }
    n++;
    if (step.kind === 'sql') lines.push(`  ${n}. ${step.name}${step.transaction ? '' : ' (outside a transaction)'}${step.afterCommit ? ' (own transaction)' : ''}: ${step.sql.split('\n')[0]}${step.sql.includes('\n') ? ' ...' : ''}`, `     locks: ${step.locks}`);
    else if (step.kind === 'backfill') lines.push(`  ${n}. ${step.name}: UPDATE ${step.table} SET ${step.set}${step.where ? ` WHERE ${step.where}` : ''}, in batches`, `     locks: ${step.locks}`);
    else lines.push(`  ${n}. ${step.name}: INSERT INTO ${step.into} SELECT ... FROM ${step.table}, in batches`, `     locks: ${step.locks}`);
  }
  return lines.join('\n');
}

/**
 * Several operations written together as one plan: every expand step first (in the order of
 * their statements), then every first backfill, so that everything the deploy needs is done
 * before the first contract migration, then the rest of each operation (its contract, and the
 * catch-up backfill of a NOT NULL between its contract steps).
 */
export function combinePlans(plans: readonly OperationPlan[]): OperationPlan {
  if (plans.length === 1) return plans[0]!;
  const parts = plans.map((p) => {
    let expand = 0;
    while (expand < p.steps.length && p.steps[expand]!.kind === 'sql' && p.steps[expand]!.phase === 'expand') expand++;
    let fill = expand;
    while (fill < p.steps.length && p.steps[fill]!.kind !== 'sql') fill++;
    return { expand: p.steps.slice(0, expand), fill: p.steps.slice(expand, fill), rest: p.steps.slice(fill) };
  });
  const unique = (items: string[]) => [...new Set(items)];
  return {
    operation: unique(plans.map((p) => p.operation)).join('+'),
    summary: plans.map((p) => p.summary).join('; '),
    table: unique(plans.map((p) => p.table)).join(', '),
    steps: [...parts.flatMap((p) => p.expand), ...parts.flatMap((p) => p.fill), ...parts.flatMap((p) => p.rest)],
    rollback: [...plans].reverse().flatMap((p) => p.rollback),
    deploy: unique(plans.map((p) => p.deploy)).join('; '),
  };
}
