import { basename } from 'node:path';
import type { RuleContext } from '../types.js';
import { displayName } from './breaking-helpers.js';

/**
 * Shared by the `running-app` rules to word their findings as contract steps, and to find the
 * preparation an earlier migration made (docs/rules/README.md#expand-and-contract).
 */

/** What every contract step that removes something needs first. */
export const DEPLOYED_AFTER_EXPAND = 'every instance runs an app version deployed after the expand step';

/** What holds a contract migration back until then. */
export const HOLD_BACK = 'Until then, `pnpm sdk db migrate --phase expand` applies the migrations before this one and holds it back.';

/** The earlier migration's file name, as the report shows it. */
function migrationName(context: RuleContext, file: number): string {
  const path = context.knowledge.paths.get(file);
  return path ? basename(path) : 'an earlier migration';
}

/**
 * The backfill that makes dropping `table.column` the contract step of its replacement: an
 * earlier migration's `UPDATE table SET other = <expression of column>`, with `other` still
 * there. "0002_backfill.sql copied auth.users.phone into phone_e164"; undefined without one.
 */
export function columnReplacement(context: RuleContext, table: string, column: string): string | undefined {
  const copy = context.knowledge.expandSteps.copyOf(table, column, context.knowledge.file);
  return copy && `${migrationName(context, copy.file)} copied ${displayName(table)}.${column} into ${copy.target}`;
}

/**
 * The rename that makes dropping view `view` the contract step of renaming or moving a relation:
 * an earlier migration created the view under the relation's old name, reading from the new one.
 * "0003_rename.sql created view auth.users to keep the old name working after auth.users became
 * auth.accounts"; undefined otherwise.
 */
export function standInView(context: RuleContext, view: string): string | undefined {
  const found = context.knowledge.expandSteps.standIn(view, context.knowledge.file);
  return found && `${migrationName(context, found.file)} created view ${displayName(view)} to keep the old name working after ${displayName(view)} became ${displayName(found.relation)}`;
}
