import { scanSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { StatementEnds } from './lexer.js';
import { loadParser } from './parse.js';
import { SourceText } from './source-text.js';

beforeAll(async () => {
  await loadParser();
});

/** Every possible statement end the lexer finds. */
function ends(text: string): number[] {
  const out: number[] = [];
  const cursor = new StatementEnds(text);
  for (let end = cursor.next(); end !== undefined; end = cursor.next()) out.push(end);
  return out;
}

/** The same, from PostgreSQL's own scanner: after each `;` token, and the end of the text. */
function scannerEnds(text: string): number[] | undefined {
  let tokens;
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return undefined; // the text does not scan (an unterminated literal, trailing junk)
  }
  const source = new SourceText(text);
  const out = tokens.filter((t) => t.text === ';' && t.tokenName === 'ASCII_59').map((t) => source.charFromByte(t.end));
  if (out.at(-1) !== text.length) out.push(text.length);
  return out;
}

describe('finding where statements may end, as PostgreSQL scans them', () => {
  const cases: Record<string, string> = {
    'strings and quoted identifiers': `SELECT 'a;b', 'it''s;', "we;ird""name" FROM t; SELECT 2;`,
    'backslashes only escape in E strings': `SELECT E'it\\'s; here', e'\\\\'; SELECT 'back\\'; SELECT 3;`,
    'an E string continued on the next line keeps its escapes': `SELECT E'a'  \n\t'b\\'; c'; SELECT E'a'\r\n\n'b'\n'c\\'; d'; SELECT 'x'\n'y\\'; SELECT 4;`,
    'a comment ends an E string instead': `SELECT E'a' -- note; here\n'b\\'; SELECT E'a'\n-- note\n'b\\'; SELECT 5;`,
    'prefixed literals': `SELECT B'01;', X'1F;', N'na;t', U&'d\\0061;t', U&"a;b"; SELECT 5;`,
    'dollar quotes, and dollar signs that open none': `DO $$ BEGIN PERFORM 1; END $$; DO $a$ x $b$ ; $b$ $a$; SELECT a$$b, $1, 1$$;$$; SELECT $x;`,
    'comments, nested ones included': `-- a; b\n/* c; /* d; */ e; */ SELECT 1 /* f; */; SELECT 2 -- g;\n;`,
    'semicolons inside BEGIN ATOMIC bodies and rule actions': `CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);`,
    'non-ASCII text': `-- « é »; 📞\nINSERT INTO "tëst" VALUES ('é;📞'); SELECT $é$;$é$;`,
    'operators next to comment starts': `SELECT 1 +-- c;\n2; SELECT 2*/*x;*/3; SELECT 3;`,
    'no semicolon at the end': `SELECT 1; SELECT 2 -- last`,
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`agrees with the scanner: ${name}`, () => {
      expect(ends(text)).toEqual(scannerEnds(text));
    });
  }

  it('runs literals that never close to the end of the text, where the scanner fails too', () => {
    for (const text of [`SELECT 1; SELECT 'a;b`, `SELECT 1; SELECT $q$ ; `, `SELECT 1; /* ; `, `SELECT 1; SELECT "a;`, `SELECT 1; SELECT E'\\'; `]) {
      expect(ends(text)).toEqual([9, text.length]);
    }
  });

  it('agrees with the scanner on random token soup', () => {
    const pieces = [
      ';', ' ', '\n', 'a', 'E', 'e', 'x', 'U&', '$', '$$', '$a$', '$1', '1', '1.5', "'", "''", "'a;b'", "E'", "\\'", '\\', '"', '""',
      '--', '/*', '*/', '-', '/', '*', '(', ')', ',', '.', 'é', '📞', 'BEGIN', 'END', 'ATOMIC', 'SELECT',
    ];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let compared = 0;
    for (let n = 0; n < 4000; n++) {
      let text = '';
      const length = 1 + Math.floor(random() * 24);
      for (let k = 0; k < length; k++) text += pieces[Math.floor(random() * pieces.length)];
      const expected = scannerEnds(text);
      if (!expected) continue;
      compared++;
      expect(ends(text), JSON.stringify(text)).toEqual(expected);
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
