import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseStatements } from './parse.js';
import { parseEntries, statementStart } from './spans.js';

beforeAll(async () => {
  await loadParser();
});

/** PostgreSQL 18's position fields of the raw parse tree (ParseLoc). */
const POSITIONS = new Set(['location', 'name_location', 'rexpr_list_start', 'rexpr_list_end', 'list_start', 'list_end']);

/** The tree with every position `start` lower, left out where it becomes 0: what OwnStatement reads. */
function moved(value: unknown, start: number): unknown {
  if (Array.isArray(value)) return value.map((v: unknown) => moved(v, start));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'number' && field >= 0 && POSITIONS.has(key)) {
      if (field !== start) out[key] = field - start;
    } else {
      out[key] = moved(field, start);
    }
  }
  return out;
}

/** Each statement of `text`: [its tree with positions moved by statementStart, the tree of a parse of its text alone]. */
function bothTrees(text: string): [string, string][] {
  return parseStatements(text).map((s) => [JSON.stringify(moved(s.node, statementStart(s.node) ?? Number.NaN)), JSON.stringify(parseEntries(s.sql)[0]?.stmt)]);
}

describe('where a statement starts in the text parsed (statementStart)', () => {
  it('is what a parse of the statement alone counts its positions from, after non-ASCII text too', () => {
    const text = [
      '-- Migration für die Bestellungen: ä, 日本, 🎉',
      'CREATE TABLE "orders" ("id" serial PRIMARY KEY, "note" text DEFAULT \'grüße 🎉\' NOT NULL);',
      '--> statement-breakpoint',
      '/* è */ ALTER TABLE "orders" ADD COLUMN "state" varchar(20) DEFAULT \'neu\' CHECK ("state" IN (\'neu\', \'alt\'));',
      'WITH gone AS (SELECT id FROM "orders" WHERE note = (ARRAY[\'é\'])[1]) UPDATE "orders" SET state = \'alt\' WHERE id IN (SELECT id FROM gone);',
      'CREATE INDEX ON "orders" USING gin (to_tsvector(\'simple\', note)) WHERE state = ANY (\'{neu}\');',
    ].join('\n');
    const trees = bothTrees(text);
    expect(trees).toHaveLength(4);
    for (const [own, parsed] of trees) expect(own).toBe(parsed);
  });

  it('makes the position of a clause that starts the statement 0, which a parse of it alone leaves out', () => {
    // The WITH clause is at byte 10 of the text, at 0 of the statement's own text.
    const [, statement] = parseStatements('SELECT 1;\nWITH x AS (SELECT 1) SELECT * FROM x;');
    expect(JSON.stringify(statement!.node)).toContain('"location":10}');
    expect(statementStart(statement!.node)).toBe(10);
    const [own, parsed] = bothTrees('SELECT 1;\nWITH x AS (SELECT 1) SELECT * FROM x;')[1]!;
    expect(own).toBe(parsed);
    expect(parsed).not.toContain('"location":0');
  });

  it('is unknown for a node that is not a parsed statement', () => {
    expect(statementStart({ SelectStmt: {} })).toBeUndefined();
  });
});
