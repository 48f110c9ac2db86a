import type { PlannedStatement, PlanReport } from '../types.js';

/** The planned statement of migration `tag` whose SQL contains `fragment`. */
export function statement(plan: PlanReport, tag: string, fragment: string): PlannedStatement {
  const found = plan.migrations.find((m) => m.tag === tag)?.statements.find((s) => s.sql.includes(fragment));
  if (!found) throw new Error(`no statement with ${fragment} in ${tag}`);
  return found;
}
