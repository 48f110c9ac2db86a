import { relationKey, relationOf, unwrapStatement } from '../sql/ast.js';
import { classify, createdTable } from '../sql/classify.js';
import { parseStatements } from '../sql/parse.js';
import type { RawStatement } from '../sql/types.js';
import { SourceText } from '../sql/source-text.js';
import { SqlSyntaxError } from '../errors.js';
import { transactionBlockChange } from '../sql/transaction.js';
import { asContractStep, filePhase } from './contract-phase.js';
import { statementEffects } from './effects.js';
import { embeddedStatements, type EmbeddedStatement } from './embedded.js';
import { ignoreDirectives, ignoredStatement } from './ignore.js';
import { SchemaKnowledge } from './knowledge.js';
import { learn } from './learn.js';
import { ENGINE_RULE_IDS, fileViolation } from './engine-findings.js';
import type { FileReport, LintRule, LintStatement, RuleContext } from './types.js';

export { ENGINE_RULE_IDS, fileViolation };

export interface LintTextOptions {
  path: string;
  pgVersion: number;
  rules: readonly LintRule[];
  /** Every rule id an ignore comment may name (the registry's, including the engine's own). */
  knownRules: ReadonlySet<string>;
  /** Facts from earlier migrations; updated with this file's statements. A fresh one when omitted. */
  knowledge?: SchemaKnowledge | undefined;
}

/**
 * Lints the text of one migration file, after `await loadParser()`. Never throws for bad SQL: a
 * syntax error is a violation at its position. In a contract migration (the runner's phase for
 * the file), the findings of `running-app` rules become warnings that say what must be true
 * first (contract-phase.ts); a phase comment the runner refuses is an `invalid-phase-comment`.
 */
/** The header of a migration file an expand/contract operation wrote. */
const OPERATION_MARKER = /^-- sdk:operation \S+ \S+ \(\d+ of \d+\):/m;

export function lintText(text: string, options: LintTextOptions): FileReport {
  const report: FileReport = { path: options.path, violations: [], statements: [] };
  const knowledge = options.knowledge ?? new SchemaKnowledge();
  let raws: RawStatement[];
  try {
    raws = parseStatements(text, options.path);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    const detail = error.message.replace(/^.*?syntax error: /, '');
    report.violations.push(fileViolation(ENGINE_RULE_IDS.syntax, 'error', error.line, error.column, `syntax error: ${detail}`,
      'Fix the SQL at this position; PostgreSQL would reject the migration here and nothing after it would run.'));
    return report;
  }
  if (raws.length === 0) {
    // An operation's marker migration (docs/operations.md): empty on purpose, its backfill runs after it.
    if (OPERATION_MARKER.test(text)) return report;
    report.violations.push(fileViolation(ENGINE_RULE_IDS.empty, 'warning', 1, 1, 'This migration has no SQL statements.',
      'Write the SQL it should run (drizzle-kit `generate --custom` creates an empty file for that), or delete the file and its journal entry.'));
    return report;
  }

  const classified = classify(raws);
  knowledge.paths.set(knowledge.file, options.path);
  // The runner's phase for the file: in a contract migration, running-app findings are warnings.
  const { phase, problem } = filePhase(text, classified);
  if (problem) report.violations.push(fileViolation(ENGINE_RULE_IDS.invalidPhase, 'error', problem.line, 1, problem.message, problem.help));
  const created = new Set<string>();
  const statements: LintStatement[] = [];
  /** Index of the top-level statement each linted statement belongs to (DO blocks expand into several). */
  const parentOf: number[] = [];
  let explicitTransaction = false;
  let segment = 0;
  classified.forEach((statement, index) => {
    const raw = raws[index]!;
    if (!statement.transactional) segment++;
    const add = (r: EmbeddedStatement, embedded: LintStatement['embeddedIn'], inBlock: boolean): LintStatement => {
      // The classified statement is this file's own object: extend it in place (no copy) for the
      // statement itself; a statement from inside a DO block gets its own copy.
      const base = embedded ? { ...statement, kind: r.kind, sql: r.sql, line: r.line, column: r.column, offset: r.offset } : statement;
      const linted: LintStatement = Object.assign(base, { node: r.node, position: statements.length }, unwrapStatement(r.node), {
        effects: [],
        inTransactionBlock: inBlock,
        transaction: segment,
        embeddedIn: embedded,
        loop: r.loop,
      });
      statements.push(linted);
      parentOf.push(index);
      return linted;
    };
    const topLevel = add(raw, undefined, explicitTransaction);
    for (const inner of embeddedStatements(raw)) add(inner, 'do-block', true);
    const change = transactionBlockChange(topLevel);
    if (change) explicitTransaction = change === 'opens';
    if (!statement.transactional) segment++;
  });

  const directives = ignoreDirectives(text, options.knownRules);
  const source = new SourceText(text);
  const spans = raws.map((r) => ({ start: r.offset, end: r.offset + r.sql.length, endLine: source.position(r.offset + r.sql.length).line }));
  const statementIgnores = directives.filter((d) => d.scope === 'statement' && !d.problem).map((d) => ({ directive: d, target: ignoredStatement(d, spans) }));
  const fileIgnores = directives.filter((d) => d.scope === 'file' && !d.problem);

  const isNewTable = (key: string | undefined) => key !== undefined && created.has(key);
  const effectContext = { knowledge, pgVersion: options.pgVersion, isNewTable };
  statements.forEach((statement, position) => {
    statement.effects = statementEffects(statement, effectContext);
    const context: RuleContext = { statement, statements, pgVersion: options.pgVersion, knowledge, isNewTable };
    for (const rule of rulesFor(options.rules, statement.kind)) {
      const found = rule.check(context);
      // Most rules find nothing in most statements: no allocation on that path.
      if (found === undefined || (Array.isArray(found) && found.length === 0)) continue;
      for (const finding of Array.isArray(found) ? found : [found]) {
        const parent = parentOf[position]!;
        const suppressor =
          statementIgnores.find((i) => i.target === parent && i.directive.rules.includes(rule.id))?.directive ??
          fileIgnores.find((d) => d.rules.includes(rule.id));
        if (suppressor) {
          suppressor.used.add(rule.id);
          continue;
        }
        const shown = (rule.hazard === 'running-app' && asContractStep(finding, phase)) || finding;
        const end = source.position(statement.offset + statement.sql.length);
        report.violations.push({
          rule: rule.id,
          severity: shown.severity ?? rule.severity,
          line: statement.line,
          column: statement.column,
          endLine: statement.embeddedIn ? statement.line : end.line,
          endColumn: statement.embeddedIn ? statement.column : end.column,
          message: shown.message,
          help: shown.help,
          lock: shown.lock,
          sql: statement.sql,
        });
      }
    }
    trackCreated(created, statement, knowledge);
    learn(knowledge, statement, { file: knowledge.file, statement: statement.index });
  });

  for (const directive of directives) {
    if (directive.problem) {
      report.violations.push(fileViolation(ENGINE_RULE_IDS.invalidIgnore, 'warning', directive.line, directive.column,
        `This ignore comment ${directive.problem.split(':')[0]}.`, `Fix it: ${directive.problem.slice(directive.problem.indexOf(':') + 1).trim()}.`));
      continue;
    }
    const unused = directive.rules.filter((r) => !directive.used.has(r));
    if (unused.length) {
      const target = directive.scope === 'file' ? 'in this file' : 'on the statement it applies to';
      report.violations.push(fileViolation(ENGINE_RULE_IDS.unusedIgnore, 'warning', directive.line, directive.column,
        `This ignore comment suppresses nothing: ${unused.join(', ')} reports nothing ${target}.`,
        'Delete the comment (or the unused rule ids), so the next real finding is not silenced by accident.'));
    }
  }

  report.violations.sort((a, b) => a.line - b.line || a.column - b.column || compareRuleIds(a.rule, b.rule));
  report.statements = statements.map((s) => ({
    line: s.line,
    column: s.column,
    kind: s.kind,
    phase: s.phase,
    phaseReason: s.phaseReason,
    transactional: s.transactional,
    effects: s.effects,
  }));
  return report;
}

/**
 * The order of two rule ids, to break a tie between findings on the same statement. Kebab-case
 * ids (every registry id) compare by code unit, which is `localeCompare`'s order under the root
 * and English collations and, unlike it, the same under every locale; the collator's first use
 * alone costs ~8 ms. Other ids (a caller's own rules) still use `localeCompare`.
 */
function compareRuleIds(a: string, b: string): number {
  if (KEBAB_CASE.test(a) && KEBAB_CASE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

const KEBAB_CASE = /^[a-z]+(-[a-z]+)*$/;

/** The rules of each rule list for each statement kind (LintRule.kinds), in the list's order. */
const RULES_BY_KIND = new WeakMap<readonly LintRule[], Map<string, readonly LintRule[]>>();

/** The rules of `rules` that can report on a statement of `kind`: most rules look at one or two kinds of the ~15 a migration has. */
function rulesFor(rules: readonly LintRule[], kind: string): readonly LintRule[] {
  if (rules.length === 0) return rules;
  let byKind = RULES_BY_KIND.get(rules);
  if (!byKind) RULES_BY_KIND.set(rules, (byKind = new Map()));
  let found = byKind.get(kind);
  if (!found) byKind.set(kind, (found = rules.filter((rule) => rule.kinds === undefined || (rule.kinds as readonly string[]).includes(kind))));
  return found;
}

/**
 * Keeps the set of tables created earlier in the file (new, empty, unused by the running app) up
 * to date: CREATE TABLE / CREATE TABLE AS / SELECT INTO / CREATE MATERIALIZED VIEW add one, and a
 * rename or SET SCHEMA of a new table moves it, so statements that name it afterwards still see a
 * new table. CREATE TABLE IF NOT EXISTS of a table an earlier migration created does nothing: it
 * stays an existing table.
 */
function trackCreated(created: Set<string>, statement: LintStatement, knowledge: SchemaKnowledge): void {
  const { kind, body } = statement;
  const table = createdTable(statement) ?? (kind === 'SelectStmt' ? relationKey(body.intoClause?.rel) : undefined);
  const ifNotExists = (statement.kind === 'CreateStmt' || statement.kind === 'CreateTableAsStmt') && statement.body.if_not_exists === true;
  if (table && !(ifNotExists && knowledge.tables.has(table))) created.add(table);
  const from = relationKey(relationOf(statement));
  if (!from || !created.has(from)) return;
  const schema = from.slice(0, from.indexOf('.'));
  if (kind === 'RenameStmt' && (body.renameType === 'OBJECT_TABLE' || body.renameType === 'OBJECT_MATVIEW') && typeof body.newname === 'string') {
    created.delete(from);
    created.add(`${schema}.${body.newname}`);
  } else if (kind === 'AlterObjectSchemaStmt' && typeof body.newschema === 'string') {
    created.delete(from);
    created.add(`${body.newschema}.${from.slice(schema.length + 1)}`);
  }
}
