import { SqlSyntaxError } from '../errors.js';
import { bodyOf, type Node, type RawStmt, type StatementKind } from './ast.js';
import { classify } from './classify.js';
import { StatementEnds } from './lexer.js';
import { LineCursor, SourceText } from './source-text.js';
import { parseEntries, statementSpans, syntaxErrorDetails } from './spans.js';
import type { RawStatement, SqlStatement } from './types.js';
import { endsTooSoon, parseLargeValuesList, type Piece } from './values-list.js';

/**
 * How much SQL one parse reads (more when one statement is longer). A parse holds the JSON and
 * the tree of its text, about 50 bytes per byte of SQL, and libpg-query's WASM heap keeps its
 * high-water mark for the life of the process: a whole 50 MB file did not fit at all (issue 9).
 * The tree of 16 KB (about 1 MB) dies in V8's young generation; those of 256 KB windows lived
 * long enough to be moved to the old one, where they stayed until a full collection (60 MB
 * more at the peak on a 50 MB file).
 */
export const DEFAULT_PARSE_WINDOW_CHARS = 16 * 1024;
/**
 * A file up to this long keeps the trees of its first pass for the second (some 15 MB for
 * 256 KB of SQL), instead of parsing each window again: one parse for the usual migration.
 */
export const DEFAULT_KEEP_TREES_CHARS = 256 * 1024;
/** A statement longer than this is parsed row batch by row batch when it is an `INSERT ... VALUES` (values-list.ts). */
export const DEFAULT_LARGE_STATEMENT_CHARS = 64 * 1024;

export interface WindowOptions {
  /** The file name for syntax errors. */
  file?: string | undefined;
  /** DEFAULT_PARSE_WINDOW_CHARS; smaller in tests, to cut small files into many windows. */
  windowChars?: number | undefined;
  /** DEFAULT_LARGE_STATEMENT_CHARS; smaller in tests. */
  largeStatementChars?: number | undefined;
  /** DEFAULT_KEEP_TREES_CHARS; 0 in tests, to parse every window a second time. */
  keepTreesChars?: number | undefined;
}

/**
 * Parses and classifies a migration file of any size with the memory of a few windows of it:
 * the statements, their text, positions and verdicts are those of one parse of the whole file.
 *
 * How: the file is cut after top-level semicolons (lexer.ts) into windows of about
 * `windowChars`, and each window is parsed on its own. A window cut inside `BEGIN ATOMIC ... END`
 * (whose body has semicolons of its own) fails with "syntax error at end of input": it is grown
 * and parsed again, so only the parser decides where a statement ends. Any other syntax error is
 * the file's first, reported at its line and column in the file. Only the windows are kept from
 * this first pass; classify() then reads each statement (tree, kind, text, position) on demand,
 * from its window parsed again, so at most one window's trees are alive at a time. A statement
 * longer than `largeStatementChars` that is an `INSERT ... VALUES` is parsed row batch by row
 * batch instead (values-list.ts).
 *
 * @throws SqlSyntaxError with the file, line and column of the first syntax error.
 */
export function analyzeInWindows(text: string, options: WindowOptions = {}): SqlStatement[] {
  if (text === '') return [];
  const split = new WindowedFile(text, options);
  split.read();
  return classify(split.statements());
}

/** One text given to the parser: a window `[start, end)` of the file, or a reduced large statement. */
interface Unit {
  start: number;
  end: number;
  reduced: string | undefined;
  pieces: Piece[];
  /** Index of its first statement in the file, and how many it has. */
  first: number;
  count: number;
  /** The first pass's parse, kept for the second in a small file. */
  entries: RawStmt[] | undefined;
}

/** A statement as the second pass reads it from its unit. */
interface Located {
  node: Node;
  kind: StatementKind;
  offset: number;
  length: number;
}

/**
 * A file cut into units that parse. The first pass (read) keeps only the units, not the
 * statements: a file of 300,000 statements must not hold 300,000 parse trees, nor 300,000
 * objects more than the classification makes. The second pass reads the statements of one unit
 * at a time, when classify() asks for them.
 */
class WindowedFile {
  private readonly file: string | undefined;
  private readonly windowChars: number;
  private readonly largeChars: number;
  private readonly keepTrees: boolean;
  private readonly units: Unit[] = [];
  private size = 0;
  /** Values added by `ALTER TYPE ... ADD VALUE` so far: a large VALUES list keeps the rows that use them. */
  private readonly enumValues = new Set<string>();
  /** The last unit parsed, and its statements once asked for. */
  private cache: { unit: number; parsed: string; entries: RawStmt[]; statements?: Located[] } | undefined;
  /** Line numbers of the first pass (syntax errors) and of the second (statements). */
  private readonly errorLines: LineCursor;
  private readonly statementLines: LineCursor;

  constructor(
    readonly text: string,
    options: WindowOptions,
  ) {
    this.file = options.file;
    this.windowChars = Math.max(1, options.windowChars ?? DEFAULT_PARSE_WINDOW_CHARS);
    this.largeChars = Math.max(1, options.largeStatementChars ?? DEFAULT_LARGE_STATEMENT_CHARS);
    this.keepTrees = text.length <= (options.keepTreesChars ?? DEFAULT_KEEP_TREES_CHARS);
    this.errorLines = new LineCursor(text);
    this.statementLines = new LineCursor(text);
  }

  /** First pass: cuts the file into units that parse, and records them. */
  read(): void {
    const text = this.text;
    const ends = new StatementEnds(text);
    let pushedBack: number | undefined;
    const pull = (): number | undefined => {
      const back = pushedBack;
      pushedBack = undefined;
      return back ?? ends.next();
    };
    let pos = 0;
    for (let first = pull(); first !== undefined; first = pull()) {
      let end = first;
      if (end - pos > this.largeChars) {
        this.cache = undefined;
        const large = parseLargeValuesList(text, pos, end, {
          batchChars: this.windowChars,
          enumValues: this.enumValues,
          onError: (error, parsed, pieces) => this.fail(error, parsed, pieces),
        });
        if (large) {
          this.record(large.text, large.entries, large.pieces, large.text);
          pos = end;
          continue;
        }
      } else {
        // A window of whole statements; a large one that follows gets a window of its own.
        while (end - pos < this.windowChars) {
          const next = pull();
          if (next === undefined) break;
          if (next - end > this.largeChars) {
            pushedBack = next;
            break;
          }
          end = next;
        }
      }
      for (;;) {
        // Let the last window's trees go before the next parse: kept alive across it, they
        // would outlive two young-generation collections and stay in the old one until a full GC.
        this.cache = undefined;
        const window = text.slice(pos, end);
        const pieces = [{ at: 0, from: pos, length: end - pos }];
        let entries: RawStmt[];
        try {
          entries = parseEntries(window);
        } catch (error) {
          if (!endsTooSoon(error) || end >= text.length) this.fail(error, window, pieces);
          // Cut inside a statement (BEGIN ATOMIC ... END): double the window and parse it again.
          const target = pos + 2 * (end - pos);
          for (let next = pull(); next !== undefined; next = pull()) {
            end = next;
            if (end >= target) break;
          }
          continue;
        }
        this.record(window, entries, pieces, undefined);
        break;
      }
      pos = end;
    }
  }

  private record(parsed: string, entries: RawStmt[], pieces: Piece[], reduced: string | undefined): void {
    let count = 0;
    for (const entry of entries) {
      if (!entry.stmt) continue;
      count++;
      const added = bodyOf(entry.stmt, 'AlterEnumStmt');
      if (added && !added.oldVal && typeof added.newVal === 'string') this.enumValues.add(added.newVal);
    }
    const last = pieces[pieces.length - 1]!;
    const unit: Unit = { start: pieces[0]!.from, end: last.from + last.length, reduced, pieces, first: this.size, count, entries: this.keepTrees ? entries : undefined };
    this.units.push(unit);
    this.size += count;
    this.cache = { unit: this.units.length - 1, parsed, entries };
  }

  private locate(unit: Unit, parsed: string, entries: RawStmt[]): Located[] {
    return statementSpans(parsed, entries, new SourceText(parsed)).map((span) => {
      const offset = toFile(unit.pieces, span.start, false);
      return { node: span.node, kind: span.kind, offset, length: toFile(unit.pieces, span.end, true) - offset };
    });
  }

  private fail(error: unknown, parsed: string, pieces: Piece[]): never {
    const { detail, cursor } = syntaxErrorDetails(error);
    const at = this.errorLines.at(toFile(pieces, new SourceText(parsed).charFromCodePoint(cursor), true));
    throw new SqlSyntaxError(this.file, at.line, at.column, detail, { cause: error });
  }

  /** Second pass: statement `i`, from its unit parsed again (or still cached). */
  statement(i: number): Located {
    let unit = this.cache?.unit ?? 0;
    let u = this.units[unit]!;
    if (!this.cache || i < u.first || i >= u.first + u.count) {
      unit = this.unitOf(i);
      u = this.units[unit]!;
      this.cache = undefined; // see read()
      const parsed = u.reduced ?? this.text.slice(u.start, u.end);
      this.cache = { unit, parsed, entries: u.entries ?? parseEntries(parsed) };
      u.entries = undefined;
    }
    this.cache.statements ??= this.locate(u, this.cache.parsed, this.cache.entries);
    const statement = this.cache.statements[i - u.first];
    if (!statement) throw new Error(`statement ${i + 1} is missing from the second parse of its window`); // the same text parses the same way
    return statement;
  }

  position(offset: number): { line: number; column: number } {
    return this.statementLines.at(offset);
  }

  /** The unit holding statement `i` (units are in statement order). */
  private unitOf(i: number): number {
    let lo = 0;
    let hi = this.units.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.units[mid]!.first <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The statements for classify(), as an array that holds none of them: each element is made
   * when it is read (a small object whose fields come from its unit), so a file of 300,000
   * statements does not keep 300,000 more objects alive for as long as classify() runs. Reading
   * an element twice gives two equal objects, not the same one.
   */
  statements(): RawStatement[] {
    const file = this;
    class WindowedStatement implements RawStatement {
      constructor(private readonly index: number) {}
      get node(): Node {
        return file.statement(this.index).node;
      }
      get kind(): StatementKind {
        return file.statement(this.index).kind;
      }
      get sql(): string {
        const { offset, length } = file.statement(this.index);
        return file.text.slice(offset, offset + length);
      }
      get offset(): number {
        return file.statement(this.index).offset;
      }
      get line(): number {
        return file.position(this.offset).line;
      }
      get column(): number {
        return file.position(this.offset).column;
      }
    }
    return elementsOnRead(this.size, (i) => new WindowedStatement(i));
  }
}

/**
 * A read-only array of `size` elements made by `make` each time one is read. Array methods
 * (`map`, `entries`, `for ... of`, indexing, `length`) work on it as on an array.
 */
function elementsOnRead<T>(size: number, make: (index: number) => T): T[] {
  const indexOf = (key: string | symbol): number | undefined => {
    if (typeof key !== 'string') return undefined;
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < size && String(i) === key ? i : undefined;
  };
  const readOnly = (): boolean => false;
  return new Proxy<T[]>([], {
    get(target, key, receiver) {
      if (key === 'length') return size;
      const i = indexOf(key);
      return i === undefined ? Reflect.get(target, key, receiver) : make(i);
    },
    has(target, key) {
      return indexOf(key) !== undefined || Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      // `length` is a non-configurable property of the (empty) target: report it as such, with our value.
      if (key === 'length') return { value: size, writable: true, enumerable: false, configurable: false };
      const i = indexOf(key);
      return i === undefined ? Reflect.getOwnPropertyDescriptor(target, key) : { value: make(i), writable: false, enumerable: true, configurable: true };
    },
    ownKeys() {
      return [...Array.from({ length: size }, (_, i) => String(i)), 'length'];
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
  });
}

/**
 * The file offset of `offset` in a parsed text made of `pieces`. At the boundary of two pieces,
 * `later` picks the start of the second (where a statement's end after its last row lands).
 */
function toFile(pieces: readonly Piece[], offset: number, later: boolean): number {
  let k = 0;
  while (k + 1 < pieces.length && (pieces[k + 1]!.at < offset || (later && pieces[k + 1]!.at === offset))) k++;
  const piece = pieces[k]!;
  return piece.from + Math.min(Math.max(offset - piece.at, 0), piece.length);
}
