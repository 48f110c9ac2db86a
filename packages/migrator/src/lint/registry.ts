import { ENGINE_RULE_IDS } from './engine-findings.js';
import type { LintRule, Severity } from './types.js';
import { addingCheckConstraint } from './rules/adding-check-constraint.js';
import { addingDomainCheck } from './rules/adding-domain-check.js';
import { addingForeignKey } from './rules/adding-foreign-key.js';
import { addingRequiredColumn } from './rules/adding-required-column.js';
import { addingSerialColumn } from './rules/adding-serial-column.js';
import { addingStoredGeneratedColumn } from './rules/adding-stored-generated-column.js';
import { addingUniqueConstraint } from './rules/adding-unique-constraint.js';
import { addingVolatileDefault } from './rules/adding-volatile-default.js';
import { attachingPartition } from './rules/attaching-partition.js';
import { changingColumnType } from './rules/changing-column-type.js';
import { clusteringTable } from './rules/clustering-table.js';
import { columnUsedByView } from './rules/column-used-by-view.js';
import { concurrentlyInTransaction } from './rules/concurrently-in-transaction.js';
import { detachingPartitionConcurrently } from './rules/detaching-partition-concurrently.js';
import { creatingIndexNonConcurrently } from './rules/creating-index-non-concurrently.js';
import { disablingTriggers } from './rules/disabling-triggers.js';
import { dropCascade } from './rules/drop-cascade.js';
import { enablingRowLevelSecurity } from './rules/enabling-row-level-security.js';
import { droppingColumn } from './rules/dropping-column.js';
import { droppingIndexNonConcurrently } from './rules/dropping-index-non-concurrently.js';
import { droppingSchema } from './rules/dropping-schema.js';
import { droppingTable } from './rules/dropping-table.js';
import { enumValueInTransaction } from './rules/enum-value-in-transaction.js';
import { lockingTable } from './rules/locking-table.js';
import { refreshingMaterializedView } from './rules/refreshing-materialized-view.js';
import { reindexingNonConcurrently } from './rules/reindexing-non-concurrently.js';
import { renamingColumn } from './rules/renaming-column.js';
import { renamingEnumValue } from './rules/renaming-enum-value.js';
import { renamingTable } from './rules/renaming-table.js';
import { schemaChangeAfterDataChange } from './rules/schema-change-after-data-change.js';
import { settingLoggedUnlogged } from './rules/setting-logged-unlogged.js';
import { settingNotNull } from './rules/setting-not-null.js';
import { settingSchema } from './rules/setting-schema.js';
import { settingTablespace } from './rules/setting-tablespace.js';
import { transactionControl } from './rules/transaction-control.js';
import { truncatingTable } from './rules/truncating-table.js';
import { unboundedDataChange } from './rules/unbounded-data-change.js';
import { unnamedConcurrentIndex } from './rules/unnamed-concurrent-index.js';
import { unsupportedInVersion } from './rules/unsupported-in-version.js';
import { vacuumFull } from './rules/vacuum-full.js';
import { validatingInSameTransaction } from './rules/validating-in-same-transaction.js';

/** What listings, docs and SARIF need to know about a rule. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
}

/** Every statement rule, in the order their findings are reported. Ids are permanent. */
export const RULES: readonly LintRule[] = [
  // Locks held while the table is rewritten
  changingColumnType,
  addingVolatileDefault,
  addingSerialColumn,
  addingStoredGeneratedColumn,
  settingLoggedUnlogged,
  settingTablespace,
  vacuumFull,
  clusteringTable,
  refreshingMaterializedView,
  // Full scans under a blocking lock
  settingNotNull,
  addingCheckConstraint,
  addingForeignKey,
  addingUniqueConstraint,
  addingDomainCheck,
  validatingInSameTransaction,
  attachingPartition,
  // Indexes
  creatingIndexNonConcurrently,
  droppingIndexNonConcurrently,
  reindexingNonConcurrently,
  concurrentlyInTransaction,
  detachingPartitionConcurrently,
  unnamedConcurrentIndex,
  // Changes that break the running application: warnings in a contract migration (hazard 'running-app')
  renamingColumn,
  renamingTable,
  renamingEnumValue,
  settingSchema,
  droppingColumn,
  droppingTable,
  droppingSchema,
  enablingRowLevelSecurity,
  // Changes that fail, lose data or skip checks, in any phase
  addingRequiredColumn,
  columnUsedByView,
  dropCascade,
  truncatingTable,
  unboundedDataChange,
  disablingTriggers,
  // Transactions, locks and versions
  lockingTable,
  schemaChangeAfterDataChange,
  enumValueInTransaction,
  transactionControl,
  unsupportedInVersion,
];

/** Findings the engine makes about a file as a whole. */
export const ENGINE_RULES: readonly RuleInfo[] = [
  { id: ENGINE_RULE_IDS.syntax, severity: 'error', title: 'SQL that PostgreSQL cannot parse' },
  { id: ENGINE_RULE_IDS.unreadable, severity: 'error', title: 'A file that is not readable SQL text' },
  { id: ENGINE_RULE_IDS.empty, severity: 'warning', title: 'A migration with no statements' },
  { id: ENGINE_RULE_IDS.unusedIgnore, severity: 'warning', title: 'An ignore comment that suppresses nothing' },
  { id: ENGINE_RULE_IDS.invalidIgnore, severity: 'warning', title: 'A malformed ignore comment' },
  { id: ENGINE_RULE_IDS.invalidPhase, severity: 'error', title: 'A malformed or contradictory phase comment' },
];

export const ALL_RULES: readonly RuleInfo[] = [...RULES, ...ENGINE_RULES];

export const RULE_IDS: ReadonlySet<string> = new Set(ALL_RULES.map((r) => r.id));
