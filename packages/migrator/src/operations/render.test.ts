import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPlan } from './render.js';
import { requiredColumn, addRequiredColumn } from './add-required-column.js';
import { knownTable } from './catalog.js';
import { listDataMigrations } from '../data-migrations/load.js';

describe('renderPlan', () => {
  it('names a data migration after the full number of the migration it follows, past 9999 too (the data-migrations loader reads such names)', async () => {
    const plan = addRequiredColumn.plan(requiredColumn(knownTable('public', 'users'), { column: 'plan', type: 'text', default: "'free'", backfill: "'legacy'", exists: false }));
    const files = renderPlan(plan, { name: 'plan', firstIndex: 10000, command: 'test' });
    expect(files.map((f) => f.name)).toEqual(['10000_plan_expand', '10000_plan_backfill', '10001_plan_contract', '10002_plan_contract_2', '10003_plan_contract_3']);
    expect(files.find((f) => f.kind === 'data-migration')!.after).toBe('10000_plan_expand');
    const folder = await mkdtemp(join(tmpdir(), 'sdk-render-'));
    try {
      await writeFile(join(folder, '10000_plan_backfill.mjs'), files.find((f) => f.kind === 'data-migration')!.text);
      expect((await listDataMigrations(folder)).map((f) => f.name)).toEqual(['10000_plan_backfill']);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
