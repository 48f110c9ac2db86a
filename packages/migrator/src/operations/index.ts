export type { Operation, OperationPlan, OperationStep, OperationPhase, SqlStep, BackfillStep, CopyStep } from './types.js';
export { STEP_LOCK_TIMEOUT_MS, BLOCKING_STEP_LOCK_TIMEOUT_MS } from './types.js';
export { addRequiredColumn, type AddRequiredColumnInput } from './add-required-column.js';
export { renameColumn, type RenameColumnInput } from './rename-column.js';
export { changeColumnType, type ChangeColumnTypeInput } from './change-column-type.js';
export { dropColumn, type DropColumnInput } from './drop-column.js';
export { dropTable, type DropTableInput } from './drop-table.js';
export { addIndex, type AddIndexInput } from './add-index.js';
export { addForeignKey, type AddForeignKeyInput } from './add-foreign-key.js';
export { addCheck, type AddCheckInput } from './add-check.js';
export { addUnique, type AddUniqueInput } from './add-unique.js';
export { rewriteTable, type RewriteTableInput } from './rewrite-table.js';
export { renderPlan, describePlan, combinePlans, type PlannedFile, type RenderOptions } from './render.js';
export { notNullSteps, notNullCheckName } from './steps.js';

import { addCheck } from './add-check.js';
import { addForeignKey } from './add-foreign-key.js';
import { addIndex } from './add-index.js';
import { addRequiredColumn } from './add-required-column.js';
import { addUnique } from './add-unique.js';
import { changeColumnType } from './change-column-type.js';
import { dropColumn } from './drop-column.js';
import { dropTable } from './drop-table.js';
import { renameColumn } from './rename-column.js';
import { rewriteTable } from './rewrite-table.js';
import type { Operation } from './types.js';

/** Every operation by its kind, as `sdk db new <kind>` names it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const OPERATIONS: ReadonlyMap<string, Operation<any, any>> = new Map(
  [addRequiredColumn, renameColumn, changeColumnType, dropColumn, dropTable, addIndex, addForeignKey, addCheck, addUnique, rewriteTable].map((op) => [op.kind, op]),
);
