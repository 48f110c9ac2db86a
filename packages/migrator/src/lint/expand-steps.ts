/**
 * Expand steps that earlier migrations made, as far as they show that a later drop is the
 * contract step of the same change. Two are recognised, both the preparation a rule's own help
 * asks for (docs/rules/README.md#expand-and-contract):
 *
 * - a backfill: a column was added (`ALTER TABLE t ADD COLUMN new`) and an
 *   `UPDATE t SET new = <expression of old>` copied another column into it, so dropping `old`
 *   later finishes replacing it (renaming-column and changing-column-type recipes);
 * - a stand-in view: a relation was renamed or moved, and a view with its old name that reads
 *   from its new name was created, so dropping that view later finishes the rename
 *   (renaming-table and setting-schema recipes).
 *
 * Whether the application was deployed in between cannot be seen in SQL: the finding, a warning,
 * says that it must have been.
 */

/** An UPDATE that set `target`, a column added by ALTER TABLE, from an expression that reads `source`, both columns of `table`. */
export interface ColumnCopy {
  table: string;
  source: string;
  target: string;
  /** Index of the migration (in lint order) that ran the UPDATE. */
  file: number;
}

/** A view created under the name of a relation that was renamed or moved, reading from its new name. */
export interface StandInView {
  view: string;
  /** relationKey of the renamed or moved relation, under its new name. */
  relation: string;
  /** Index of the migration that created the view. */
  file: number;
}

export class ExpandSteps {
  /** `table\0column` of every column added by ALTER TABLE ... ADD COLUMN (not by CREATE TABLE): the candidates for a replacement. */
  private readonly added = new Set<string>();
  private copies: ColumnCopy[] = [];
  /** Old relationKey -> new one, for each relation renamed or moved to another schema. */
  private readonly moved = new Map<string, string>();
  private readonly views = new Map<string, StandInView>();

  /** Records `ALTER TABLE table ADD COLUMN column`: a column that may replace another. */
  columnAdded(table: string, column: string): void {
    this.added.add(`${table}\0${column}`);
  }

  /** Records `UPDATE table SET target = <expression reading source>`, when `target` is an added column. */
  copied(table: string, source: string, target: string, file: number): void {
    if (source !== target && this.added.has(`${table}\0${target}`)) this.copies.push({ table, source, target, file });
  }

  /** The copy of `table.column` into another column made by a migration before `file`, if any. */
  copyOf(table: string, column: string, file: number): ColumnCopy | undefined {
    return this.copies.find((c) => c.table === table && c.source === column && c.file < file);
  }

  /** Records a relation renamed or moved: a view created later with the old name may stand in for it. */
  relationMoved(from: string, to: string): void {
    this.moved.set(from, to);
  }

  /** Records a new view, a stand-in when its name is one a relation was moved away from and it reads from that relation. */
  viewCreated(view: string, reads: ReadonlySet<string>, file: number): void {
    const relation = this.moved.get(view);
    if (relation !== undefined && reads.has(relation)) this.views.set(view, { view, relation, file });
    else this.views.delete(view);
  }

  /** The stand-in view `view`, when a migration before `file` created it. */
  standIn(view: string, file: number): StandInView | undefined {
    const found = this.views.get(view);
    return found && found.file < file ? found : undefined;
  }

  viewDropped(view: string): void {
    this.views.delete(view);
  }

  /** A dropped column is no longer a replacement, nor replaced. */
  columnDropped(table: string, column: string): void {
    this.added.delete(`${table}\0${column}`);
    this.copies = this.copies.filter((c) => !(c.table === table && (c.source === column || c.target === column)));
  }

  columnRenamed(table: string, from: string, to: string): void {
    if (this.added.delete(`${table}\0${from}`)) this.added.add(`${table}\0${to}`);
    for (const copy of this.copies) {
      if (copy.table !== table) continue;
      if (copy.source === from) copy.source = to;
      if (copy.target === from) copy.target = to;
    }
  }

  tableDropped(table: string): void {
    for (const key of this.added) if (key.startsWith(`${table}\0`)) this.added.delete(key);
    this.copies = this.copies.filter((c) => c.table !== table);
  }

  tableRenamed(from: string, to: string): void {
    for (const key of [...this.added]) {
      if (!key.startsWith(`${from}\0`)) continue;
      this.added.delete(key);
      this.added.add(`${to}${key.slice(from.length)}`);
    }
    for (const copy of this.copies) if (copy.table === from) copy.table = to;
  }
}
