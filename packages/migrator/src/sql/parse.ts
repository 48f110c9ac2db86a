import { loadModule, parseSync, type ParseResult } from 'libpg-query';
import { SqlSyntaxError } from '../errors.js';
import { classify } from './classify.js';
import type { SqlStatement } from './types.js';

let loaded: Promise<void> | undefined;

/** Loads the PostgreSQL parser (WASM) once; every other function here needs it loaded. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** A parsed statement before classification: the raw parse-tree node and where it sits. */
export interface RawStatement {
  node: Record<string, unknown>;
  kind: string;
  sql: string;
  offset: number;
  line: number;
  column: number;
}

/**
 * Maps the parser's UTF-8 byte offsets to string offsets and 1-based line/column, so positions
 * stay right after non-ASCII text (comments in other languages are common in migrations).
 */
export class SourceMap {
  private readonly bytes: Buffer | undefined;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    this.bytes = Buffer.byteLength(text) === text.length ? undefined : Buffer.from(text, 'utf8');
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  charOffset(byteOffset: number): number {
    return this.bytes ? this.bytes.subarray(0, byteOffset).toString('utf8').length : byteOffset;
  }

  position(charOffset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= charOffset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: charOffset - this.lineStarts[lo]! + 1 };
  }
}

/**
 * Splits SQL into statements with the real PostgreSQL parser. drizzle-kit's
 * `--> statement-breakpoint` marker is an SQL comment, so one parse of the whole file splits on
 * both breakpoints and semicolons, and never on a semicolon inside a string, dollar quote or
 * comment.
 */
export function parseStatements(text: string, file?: string): RawStatement[] {
  // The parser rejects an empty string; a blank migration (drizzle-kit --custom) has no statements.
  if (text.trim() === '') return [];
  let result: ParseResult;
  try {
    result = parseSync(text);
  } catch (error) {
    const e = error as { message?: string; sqlDetails?: { cursorPosition?: number; message?: string } };
    const map = new SourceMap(text);
    const cursor = e.sqlDetails?.cursorPosition;
    const at = cursor === undefined ? { line: 1, column: 1 } : map.position(map.charOffset(Math.max(0, cursor)));
    throw new SqlSyntaxError(file, at.line, at.column, e.sqlDetails?.message ?? e.message ?? String(error), { cause: error });
  }
  const map = new SourceMap(text);
  const totalBytes = Buffer.byteLength(text);
  const out: RawStatement[] = [];
  for (const raw of result.stmts ?? []) {
    const entry = raw as { stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number };
    if (!entry.stmt) continue;
    const startByte = entry.stmt_location ?? 0;
    const endByte = entry.stmt_len ? startByte + entry.stmt_len : totalBytes;
    const start = map.charOffset(startByte);
    const end = map.charOffset(endByte);
    const { sql, lead } = trimStatement(text.slice(start, end));
    const offset = start + lead;
    const kind = Object.keys(entry.stmt)[0] ?? 'Unknown';
    out.push({ node: entry.stmt, kind, sql, offset, ...map.position(offset) });
  }
  return out;
}

/** Drops leading blanks/comments and trailing blanks/semicolons; reports how much was dropped in front. */
function trimStatement(slice: string): { sql: string; lead: number } {
  let lead = 0;
  for (;;) {
    const rest = slice.slice(lead);
    const blank = /^\s+/.exec(rest);
    if (blank) {
      lead += blank[0].length;
      continue;
    }
    if (rest.startsWith('--')) {
      const nl = rest.indexOf('\n');
      lead += nl < 0 ? rest.length : nl + 1;
      continue;
    }
    if (rest.startsWith('/*')) {
      const close = rest.indexOf('*/');
      if (close < 0) break;
      lead += close + 2;
      continue;
    }
    break;
  }
  return { sql: slice.slice(lead).replace(/[\s;]+$/, ''), lead };
}

/** Parses and classifies every statement of a migration file. Call `loadParser()` first. */
export function analyzeSqlSync(text: string, options: { file?: string | undefined } = {}): SqlStatement[] {
  return classify(parseStatements(text, options.file));
}

/** Parses and classifies every statement of a migration file. */
export async function analyzeSql(text: string, options: { file?: string | undefined } = {}): Promise<SqlStatement[]> {
  await loadParser();
  return analyzeSqlSync(text, options);
}
