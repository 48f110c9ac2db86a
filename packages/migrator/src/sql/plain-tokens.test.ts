import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEYWORDS } from './keywords.js';
import { loadParser, parseStatements } from './parse.js';
import { plainTokens, type PlainToken } from './plain-tokens.js';
import { SourceText } from './source-text.js';

beforeAll(async () => {
  await loadParser();
});

/** libpg-query's tokens of `sql` without comments, in string offsets: what plainTokens must give. */
function scanned(sql: string): PlainToken[] {
  const source = new SourceText(sql);
  return scanSync(sql)
    .tokens.filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT')
    .map((t) => ({ start: source.charFromByte(t.start), end: source.charFromByte(t.end), keyword: t.keywordKind !== 0 }));
}

/** Every statement of the rules' corpus (src/lint/__corpus__), as the rules tokenize them. */
function corpusStatements(): string[] {
  const root = fileURLToPath(new URL('../lint/__corpus__', import.meta.url));
  const out: string[] = [];
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.sql')) continue;
    const text = readFileSync(join(root, file), 'utf8');
    try {
      out.push(...parseStatements(text).map((s) => s.sql));
    } catch {
      // A corpus case of SQL that does not parse: the engine never tokenizes it.
    }
  }
  return out;
}

describe('tokens without a WebAssembly call (plainTokens)', () => {
  it('are the tokens of PostgreSQL 18\'s scanner for every statement of the rules\' corpus it reads', () => {
    const statements = corpusStatements();
    let read = 0;
    for (const sql of statements) {
      const tokens = plainTokens(sql);
      if (!tokens) continue;
      read++;
      expect(tokens, sql).toEqual(scanned(sql));
    }
    // The point of it: most migrations are plain SQL.
    expect(read).toBeGreaterThan(statements.length * 0.9);
  });

  it('cut operators, numbers and punctuation as the scanner does', () => {
    const cases = [
      'SELECT a=-1, b<>2, c>=-3, d @- e, f||g, h->>\'k\', i::int, j[1:2], k.l, $1, $2::text, 1.5, 2., 3',
      'SELECT a+--comment\n b, c*/* comment */d, e !=- f, g ~~* h, i => j, k := l, m <= n, o ^ p, q % r',
      'UPDATE "t" SET "a" = $x$ it\'s -- not a comment $x$, "b" = $$ $a$ $$, "c""d" = \'e\'\'f\'',
      'CREATE INDEX "i" ON "t" USING btree ("a" DESC NULLS LAST) WHERE "b" IS NOT NULL /* partial */',
      'ALTER TABLE t ADD COLUMN "naïve" text DEFAULT \'grüße\'',
    ];
    for (const sql of cases) expect(plainTokens(sql), sql).toEqual(scanned(sql));
  });

  it('leave to the real scanner what they do not read', () => {
    const left = [
      "SELECT E'a\\'b'",
      "SELECT B'101', X'ff', N'x', U&'d\\0061t'",
      "SELECT 'a'\n'b'",
      "SELECT 'a\\b'",
      'SELECT 1e5, 1_000, 0x1f, .5, 1..2',
      'SELECT /* a /* nested */ b */ 1',
      'SELECT café',
      "SELECT 'unterminated",
      'SELECT $$unterminated',
      'SELECT ""',
      'SELECT a \\ b',
    ];
    for (const sql of left) expect(plainTokens(sql), sql).toBeUndefined();
  });

  it('know every keyword of the scanner, and only keywords', () => {
    const words = [...KEYWORDS];
    expect(scanSync(words.join(' ')).tokens.filter((t) => t.keywordKind === 0).map((t) => t.text)).toEqual([]);
    const names = ['users', 'orders', 'email', 'created_at', 'idx', 'pkey', 'tenant_id', 'status', 'amount', 'note'];
    expect(scanSync(names.join(' ')).tokens.filter((t) => t.keywordKind !== 0).map((t) => t.text)).toEqual(names.filter((n) => KEYWORDS.has(n)));
  });
});
