import { list, relationKey, stringValue, walk, type Node } from '../sql/ast.js';

/**
 * Which columns each view and materialized view reads, as PostgreSQL records them in pg_depend
 * when the view is created: a view depends on every column its query names (a `*` is expanded
 * then, into the columns the table has at that moment). While it does, PostgreSQL refuses to
 * change the column's type ("cannot alter type of a column used by a view or rule") or to drop it
 * without CASCADE ("other objects depend on it").
 * https://www.postgresql.org/docs/current/sql-altertable.html (ALTER COLUMN TYPE, DROP COLUMN)
 *
 * A column is attributed to the tables of the query's FROM lists by its qualifier (`u.email`:
 * the table aliased or named `u`); an unqualified one to each table known to have a column of
 * that name, and to each table whose columns are not known (a view is then said to use it: the
 * finding would rather name a view that does not block than miss one that does).
 */
export interface ViewUse {
  /** relationKey of the view. */
  view: string;
  materialized: boolean;
  /** The statement that created it, to write it again after the change. */
  sql: string | undefined;
  /** Columns it reads, by table (relationKey). */
  reads: Map<string, Set<string>>;
}

export class ViewUses {
  private readonly views = new Map<string, ViewUse>();

  /**
   * Records CREATE [OR REPLACE] VIEW or CREATE MATERIALIZED VIEW. `columnsOf` gives the columns a
   * table is known to have now (undefined when unknown).
   */
  created(view: string, materialized: boolean, sql: string | undefined, query: Node | undefined, columnsOf: (table: string) => Iterable<string> | undefined): void {
    const tables = new Map<string, string>(); // alias or name -> relationKey
    const refs: (string | undefined)[][] = [];
    walk(query, (obj) => {
      const rel = obj.RangeVar;
      const key = relationKey(rel);
      if (key && rel?.relname) {
        tables.set(rel.alias?.aliasname ?? rel.relname, key);
        // `FROM users u` can still be named `users` elsewhere in the query only without the alias; keep both, harmless.
        tables.set(rel.relname, key);
      }
      const fields = obj.ColumnRef?.fields;
      if (fields) refs.push(list(fields).map((f: Node) => ('A_Star' in f ? '*' : stringValue(f))));
    });
    const reads = new Map<string, Set<string>>();
    const use = (table: string, column: string) => {
      let columns = reads.get(table);
      if (!columns) reads.set(table, (columns = new Set()));
      columns.add(column);
    };
    const all = (table: string) => {
      const known = columnsOf(table);
      // `*` of a table whose columns are unknown: every column it may have.
      if (known) for (const column of known) use(table, column);
      else use(table, '*');
    };
    const keys = new Set(tables.values());
    for (const fields of refs) {
      const column = fields.at(-1);
      const qualifier = fields.length > 1 ? fields.at(-2) : undefined;
      if (column === undefined) continue;
      const targets = qualifier !== undefined ? [tables.get(qualifier)].filter((k): k is string => k !== undefined) : [...keys];
      for (const table of targets) {
        if (column === '*') {
          all(table);
          continue;
        }
        const known = columnsOf(table);
        if (qualifier !== undefined || !known || [...known].includes(column)) use(table, column);
      }
    }
    this.views.set(view, { view, materialized, sql, reads });
  }

  /** The views that read `table.column`: their creation blocks its type change and its drop. */
  using(table: string | undefined, column: string | undefined): ViewUse[] {
    if (!table || !column) return [];
    const found: ViewUse[] = [];
    for (const use of this.views.values()) {
      const columns = use.reads.get(table);
      if (columns && (columns.has(column) || columns.has('*'))) found.push(use);
    }
    return found;
  }

  dropped(view: string): void {
    this.views.delete(view);
  }

  /** A view renamed (ALTER VIEW ... RENAME TO), or a table some view reads. */
  renamed(from: string, to: string): void {
    const own = this.views.get(from);
    if (own) {
      this.views.delete(from);
      this.views.set(to, { ...own, view: to });
    }
    for (const use of this.views.values()) {
      const columns = use.reads.get(from);
      if (!columns) continue;
      use.reads.delete(from);
      use.reads.set(to, columns);
    }
  }

  columnRenamed(table: string, from: string, to: string): void {
    for (const use of this.views.values()) {
      const columns = use.reads.get(table);
      if (columns?.delete(from)) columns.add(to);
    }
  }

  /** A table dropped (with CASCADE, its views go with it; without, the drop failed or there were none). */
  tableDropped(table: string): void {
    for (const [view, use] of this.views) if (use.reads.has(table) || view === table) this.views.delete(view);
  }

  /** A column dropped with CASCADE: the views that read it go with it. */
  columnDropped(table: string, column: string): void {
    for (const use of this.using(table, column)) this.views.delete(use.view);
  }
}
