import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lintPaths } from './files.js';
import { MAX_LINT_FILE_BYTES } from './read.js';
import { creatingIndexNonConcurrently } from './rules/creating-index-non-concurrently.js';

const root = mkdtempSync(join(tmpdir(), 'sdk-lint-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder holding the given files. */
function folder(files: Record<string, string | Buffer>): string {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const rules = [creatingIndexNonConcurrently];
const summary = async (paths: string[], pgVersion?: number) => {
  const { report } = await lintPaths({ paths, rules, pgVersion });
  return report.files.map((f) => [f.path.slice(root.length + 1).replace(/^case-\d+\//, ''), f.violations.map((v) => `${v.rule}@${v.line}:${v.column}`)]);
};

describe('lintPaths', () => {
  it('lists every file of a folder, clean ones too, in the journal order', async () => {
    const dir = folder({
      '0000_b.sql': 'CREATE TABLE "t" ("x" int);',
      '0001_a.sql': 'CREATE INDEX "i" ON "t" ("x");',
      'meta/_journal.json': JSON.stringify({ entries: [{ idx: 0, tag: '0001_a' }, { idx: 1, tag: '0000_b' }] }),
    });
    expect(await summary([dir])).toEqual([
      ['0001_a.sql', ['creating-index-non-concurrently@1:1']],
      ['0000_b.sql', []],
    ]);
  });

  it('treats tables of earlier migrations as existing, and reads them even when only the newest file is given', async () => {
    const dir = folder({
      '0000_init.sql': 'CREATE TABLE "t" ("x" int);',
      '0001_index.sql': 'CREATE TABLE "n" ("x" int);\n--> statement-breakpoint\nCREATE INDEX "a" ON "n" ("x");\n--> statement-breakpoint\nCREATE INDEX "b" ON "t" ("x");',
    });
    expect(await summary([join(dir, '0001_index.sql')])).toEqual([['0001_index.sql', ['creating-index-non-concurrently@5:1']]]);
  });

  it('reports a file that is not UTF-8 at the first bad byte', async () => {
    const dir = folder({ 'latin1.sql': Buffer.concat([Buffer.from('-- ok\n-- caf'), Buffer.from([0xe9]), Buffer.from('\nSELECT 1;')]) });
    const { report } = await lintPaths({ paths: [dir], rules });
    expect(report.files[0]!.violations).toMatchObject([{ rule: 'unreadable-file', severity: 'error', line: 2, column: 7 }]);
    expect(report.files[0]!.violations[0]!.message).toBe('This file is not valid UTF-8 (byte 0xe9 at byte offset 12).');
  });

  it('names the first bad byte of a surrogate written as UTF-8 (CESU-8), which is well formed byte by byte', async () => {
    const dir = folder({ 'cesu.sql': Buffer.concat([Buffer.from("SELECT 'a"), Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xb3, 0x9e]), Buffer.from("';")]) });
    const { report } = await lintPaths({ paths: [dir], rules });
    expect(report.files[0]!.violations).toMatchObject([{ rule: 'unreadable-file', line: 1, column: 10 }]);
    expect(report.files[0]!.violations[0]!.message).toBe('This file is not valid UTF-8 (byte 0xed at byte offset 9).');
  });

  it('reports a binary file, and a file over the size limit, without parsing them', async () => {
    const dir = folder({ 'image.sql': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]) });
    writeFileSync(join(dir, 'huge.sql'), Buffer.alloc(MAX_LINT_FILE_BYTES + 1, 0x20));
    const { report } = await lintPaths({ paths: [dir], rules });
    expect(report.files.map((f) => f.violations.map((v) => v.message))).toEqual([
      ['This file is 16 MB; the linter reads migrations up to 16 MB.'],
      ['This is a binary file, not SQL text.'],
    ]);
    expect(report.errors).toBe(2);
  });

  it('asks whether a file given by name that does not parse is SQL at all', async () => {
    const dir = folder({ 'schema.ts': "export const users = pgTable('users', {});" });
    const { report } = await lintPaths({ paths: [join(dir, 'schema.ts')], rules });
    expect(report.files[0]!.violations[0]).toMatchObject({ rule: 'syntax-error', line: 1, column: 1 });
    expect(report.files[0]!.violations[0]!.help).toMatch(/Is schema\.ts an SQL file\?/);
  });

  it('parses a large migration of many statements', async () => {
    const sql = Array.from({ length: 20_000 }, (_, i) => `INSERT INTO "t" ("id", "name") VALUES (${i}, 'row ${i}');`).join('\n');
    const { report } = await lintPaths({ paths: [join(folder({ 'big.sql': sql }), 'big.sql')], rules });
    expect(report.files[0]!.statements).toHaveLength(20_000);
  });

  it('refuses a missing path, a folder without .sql files and an unknown PostgreSQL version with a next step', async () => {
    await expect(lintPaths({ paths: [join(root, 'nope')] })).rejects.toMatchObject({ code: 'E_LINT_PATH', message: expect.stringMatching(/no such file or folder$/) });
    await expect(lintPaths({ paths: [folder({ 'README.md': '# hi' })] })).rejects.toMatchObject({ code: 'E_LINT_PATH', message: expect.stringMatching(/no \.sql files in this folder$/) });
    await expect(lintPaths({ paths: [root], pgVersion: 9 })).rejects.toMatchObject({ code: 'E_PG_VERSION', hint: expect.stringMatching(/`pgVersion`/) });
  });
});
