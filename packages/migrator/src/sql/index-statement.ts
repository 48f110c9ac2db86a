import { scanSync } from 'libpg-query';
import { bodyOf, type IndexStmt, type RangeVar } from './ast.js';
import { quoteIdent } from './quote.js';
import { SourceText } from './source-text.js';
import { parseEntries } from './spans.js';

/**
 * One `CREATE INDEX` statement, re-read on its own so that its text can be rewritten token by
 * token: given the name PostgreSQL would choose, or pointed at another table. Call
 * `loadParser()` first.
 */
export class IndexStatement {
  readonly body: IndexStmt;
  private readonly source: SourceText;
  private readonly tokens: { start: number; end: number; text: string }[];

  constructor(readonly sql: string) {
    const body = bodyOf(parseEntries(sql)[0]?.stmt, 'IndexStmt');
    if (!body) throw new Error(`not a CREATE INDEX statement: ${sql.slice(0, 60)}`);
    this.body = body;
    this.source = new SourceText(sql);
    this.tokens = scanSync(sql).tokens.map((t) => ({ start: this.source.charFromByte(t.start), end: this.source.charFromByte(t.end), text: t.text }));
  }

  get name(): string | undefined {
    return this.body.idxname || undefined;
  }

  get relation(): RangeVar {
    return this.body.relation ?? {};
  }

  /** The table as the statement names it, quoted: `"s"."t"` or `"t"`. */
  get qualifiedTable(): string {
    const r = this.relation;
    return r.schemaname ? `${quoteIdent(r.schemaname)}.${quoteIdent(r.relname ?? '')}` : quoteIdent(r.relname ?? '');
  }

  private concurrently(): { start: number; end: number } | undefined {
    // The only CONCURRENTLY keyword before the table name is the statement's own option.
    const relationAt = this.relationSpan().start;
    return this.tokens.find((t) => t.start < relationAt && t.text.toUpperCase() === 'CONCURRENTLY');
  }

  /** The text naming the table: `schema.table` (each part quoted or not), from the parser's location. */
  private relationSpan(): { start: number; end: number } {
    const location = this.body.relation?.location ?? -1;
    const start = this.source.charFromByte(location);
    let i = this.tokens.findIndex((t) => t.start === start);
    if (i < 0) throw new Error(`cannot find the table name in: ${this.sql.slice(0, 60)}`);
    let end = this.tokens[i]!.end;
    // `a.b.c` at most: a name, then `.` name pairs.
    while (this.tokens[i + 1]?.text === '.' && this.tokens[i + 2]) {
      end = this.tokens[i + 2]!.end;
      i += 2;
    }
    return { start, end };
  }

  /** The statement with `name` written after CONCURRENTLY (or after INDEX): only for a statement that has no name. */
  withName(name: string): string {
    if (this.name) return this.sql;
    const after = this.concurrently() ?? this.tokens.find((t) => t.text.toUpperCase() === 'INDEX');
    if (!after) throw new Error(`cannot place an index name in: ${this.sql.slice(0, 60)}`);
    return `${this.sql.slice(0, after.end)} ${quoteIdent(name)}${this.sql.slice(after.end)}`;
  }

  /**
   * The same index, built without CONCURRENTLY on another (empty) table with the same columns:
   * PostgreSQL then says, in its own canonical form, what the statement builds.
   */
  onTable(qualifiedTable: string): string {
    const relation = this.relationSpan();
    const concurrently = this.concurrently();
    let text = `${this.sql.slice(0, relation.start)}${qualifiedTable}${this.sql.slice(relation.end)}`;
    if (concurrently) text = `${text.slice(0, concurrently.start)}${text.slice(concurrently.end)}`;
    return text;
  }
}
