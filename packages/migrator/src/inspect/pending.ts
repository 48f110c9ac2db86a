import type pg from 'pg';
import { MigratorError } from '../errors.js';
import { lintText, SchemaKnowledge, stronger, RULE_IDS, RULES, type LintRule, type RelationEffect, type Violation } from '../lint/index.js';
import { bodyOf, relationKey, unwrapStatement } from '../sql/ast.js';
import { createdTable } from '../sql/classify.js';
import { loadParser, parseStatements } from '../sql/index.js';
import type { Phase, SqlStatement } from '../sql/types.js';
import { readMigrations, reconcileWithEdits, analyzeMigration, type MigrationFile, type PlannedMigration } from '../runner/index.js';
import { readApplied } from '../db/metadata.js';
import { seedKnowledge } from './live.js';

type Queryable = Pick<pg.Client, 'query'>;

export interface PendingMigrations {
  /** Pending (and out-of-order) migrations, in journal order. */
  pending: { file: MigrationFile; state: 'pending' | 'out-of-order' }[];
  /** The newest migration applied (by journal order), to rebuild the schema from the folder. */
  lastApplied: string | undefined;
  notes: string[];
}

/** Which migrations of the folder the target has not applied yet, read-only. */
export async function pendingMigrations(db: Queryable, migrationsFolder: string): Promise<PendingMigrations> {
  const files = await readMigrations(migrationsFolder);
  const { ours, drizzle } = await readApplied(db);
  const state = await reconcileWithEdits(files, ours, drizzle);
  const notes: string[] = [];
  let lastApplied: string | undefined;
  const pending: PendingMigrations['pending'] = [];
  for (const entry of state.entries) {
    if (entry.state === 'pending' || entry.state === 'out-of-order') pending.push({ file: entry.file, state: entry.state });
    else lastApplied = entry.file.tag;
    if (entry.state === 'modified') notes.push(`${entry.file.tag} was edited after it was applied: \`sdk db migrate\` refuses to run until the file is restored from git.`);
    if (entry.state === 'out-of-order') notes.push(`${entry.file.tag} is older than the newest applied migration: \`sdk db migrate\` needs \`allowOutOfOrder\` to apply it.`);
  }
  for (const m of state.missing) notes.push(`applied migration ${m.tag} is missing from the folder: \`sdk db migrate\` refuses to run until it is restored.`);
  return { pending, lastApplied, notes };
}

/** One top-level statement with the static verdicts: effects folded over a DO block's inner statements. */
export interface AnalyzedStatement extends SqlStatement {
  effects: RelationEffect[];
  violations: Violation[];
}

export interface AnalyzedMigration {
  file: MigrationFile;
  state: 'pending' | 'out-of-order';
  phase: Phase;
  phaseReason: string;
  statements: AnalyzedStatement[];
  fileViolations: Violation[];
  /** Tables and materialized views the migration creates (they start empty). */
  creates: string[];
  /** Set when the file does not parse or classify: no statement can be planned or traced. */
  unreadable?: string | undefined;
}

/**
 * Lints the pending files in order with knowledge seeded from the live database: the column types
 * and constraints of the tables they touch and the volatility of its functions, so a verdict such
 * as "varchar(50) -> varchar(100) keeps the rows" or "SET NOT NULL uses the validated CHECK" rests
 * on facts, not on what the migrations folder happens to show.
 */
export async function analyzePending(
  db: Queryable,
  pending: PendingMigrations['pending'],
  pgVersion: number,
  rules: readonly LintRule[] = RULES,
): Promise<AnalyzedMigration[]> {
  await loadParser();
  // First pass, without rules or facts: which relations the statements touch.
  const probe = new SchemaKnowledge();
  const touched = new Set<string>();
  for (const { file } of pending) {
    const report = lintText(file.sql, { path: file.path, pgVersion, rules: [], knownRules: RULE_IDS, knowledge: probe });
    for (const s of report.statements) for (const e of s.effects) touched.add(e.relation);
  }
  const knowledge = new SchemaKnowledge();
  await seedKnowledge(db, knowledge, [...touched]);

  const out: AnalyzedMigration[] = [];
  for (const [i, { file, state }] of pending.entries()) {
    knowledge.file = i;
    const report = lintText(file.sql, { path: file.path, pgVersion, rules, knownRules: RULE_IDS, knowledge });
    let planned: PlannedMigration;
    try {
      // The runner's own view: the statements it would run, each in or outside a transaction.
      planned = await analyzeMigration(file);
    } catch (error) {
      if (!(error instanceof MigratorError)) throw error;
      out.push({ file, state, phase: 'expand', phaseReason: 'does not parse', statements: [], fileViolations: report.violations, creates: [], unreadable: error.message });
      continue;
    }
    const analyzed: AnalyzedStatement[] = planned.statements.map((s) => ({ ...s, effects: [], violations: [] }));
    // lintText lists each top-level statement followed by the statements of its DO block (if any).
    let current = -1;
    for (const linted of report.statements) {
      const next = analyzed[current + 1];
      if (next && next.line === linted.line && next.column === linted.column) current++;
      const owner = analyzed[Math.max(0, current)];
      if (owner) owner.effects = mergeEffects(owner.effects, linted.effects);
    }
    const fileViolations: Violation[] = [];
    for (const v of report.violations) {
      const owner = analyzed.find((s) => s.line === v.line && s.column === v.column);
      (owner ? owner.violations : fileViolations).push(v);
    }
    out.push({ file, state, phase: planned.phase, phaseReason: planned.phaseReason, statements: analyzed, fileViolations, creates: createdRelations(file) });
  }
  return out;
}

function createdRelations(file: MigrationFile): string[] {
  const out: string[] = [];
  for (const raw of parseStatements(file.sql, file.path)) {
    const into = bodyOf(raw.node, 'CreateTableAsStmt')?.into;
    const created = raw.kind === 'CreateTableAsStmt' ? relationKey(into?.rel) : createdTable(unwrapStatement(raw.node));
    if (created) out.push(created);
  }
  return out;
}

/** One entry per relation: the strongest lock, any rewrite or scan, every reason. */
function mergeEffects(into: RelationEffect[], more: readonly RelationEffect[]): RelationEffect[] {
  const merged = into.map((e) => ({ ...e }));
  for (const effect of more) {
    const existing = merged.find((e) => e.relation === effect.relation);
    if (!existing) {
      merged.push({ ...effect });
      continue;
    }
    existing.lock = stronger(existing.lock, effect.lock);
    existing.rewrite ||= effect.rewrite;
    existing.scan ||= effect.scan;
    existing.created ||= effect.created;
    if (!existing.why.includes(effect.why)) existing.why = `${existing.why}; ${effect.why}`;
  }
  return merged;
}
