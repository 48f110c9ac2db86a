import { describe, expect, it } from 'vitest';
import { changeColumnType } from './change-column-type.js';
import { renameColumn } from './rename-column.js';
import { expandSql, syncTriggerDatabase } from './__fixtures__/sync-db.js';

const t = syncTriggerDatabase('synctrigger');
const { q } = t;

describe('the sync trigger of rename-column and change-column-type', () => {
  it('shows a write through either column in the other, and the backfill never overwrites a value written through the new one', async () => {
    await q(`CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL DEFAULT 'anon');
             INSERT INTO people SELECT g, 'p' || g FROM generate_series(1, 2000) g;`);
    const plan = renameColumn.plan(await renameColumn.resolve(t.client, { table: 'people', from: 'name', to: 'full_name' }));
    for (const sql of expandSql(plan)) await q(sql);
    // Before the backfill: the new version renames person 10 through the new column...
    await q(`UPDATE people SET full_name = 'new ten' WHERE id = 10`);
    // ...the old version renames person 11 through the old one, and inserts without a name.
    await q(`UPDATE people SET name = 'old eleven' WHERE id = 11`);
    await q(`INSERT INTO people (id) VALUES (5001)`);
    await q(`INSERT INTO people (id, full_name) VALUES (5002, 'inserted new')`);
    expect(await q(`SELECT id, name, full_name FROM people WHERE id IN (10, 11, 5001, 5002) ORDER BY id`)).toEqual([
      { id: 10, name: 'new ten', full_name: 'new ten' },
      { id: 11, name: 'old eleven', full_name: 'old eleven' },
      { id: 5001, name: 'anon', full_name: 'anon' },
      { id: 5002, name: 'inserted new', full_name: 'inserted new' },
    ]);
    await t.runBackfill(plan, 300);
    expect(await q(`SELECT count(*)::int AS n FROM people WHERE full_name IS DISTINCT FROM name`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT name, full_name FROM people WHERE id = 10`)).toEqual([{ name: 'new ten', full_name: 'new ten' }]);
  });

  it('leaves the old column alone when the backfill writes the new one, even where the cast back loses precision', async () => {
    await q(`CREATE TABLE prices (id int PRIMARY KEY, amount numeric(10,2));
             INSERT INTO prices SELECT g, g + 0.5 FROM generate_series(1, 1000) g;`);
    const plan = changeColumnType.plan(await changeColumnType.resolve(t.client, { table: 'prices', column: 'amount', type: 'integer' }));
    for (const sql of expandSql(plan)) await q(sql);
    await t.runBackfill(plan, 250);
    // The old column keeps its cents: the backfill's write is what the old value already gives.
    expect(await q(`SELECT amount::text, amount_sdk_new FROM prices WHERE id = 7`)).toEqual([{ amount: '7.50', amount_sdk_new: 8 }]);
    expect(await q(`SELECT count(*)::int AS n FROM prices WHERE amount_sdk_new IS DISTINCT FROM amount::integer`)).toEqual([{ n: 0 }]);
    // The old version keeps writing the old column; the new one follows.
    await q(`UPDATE prices SET amount = 99.25 WHERE id = 7`);
    expect(await q(`SELECT amount_sdk_new FROM prices WHERE id = 7`)).toEqual([{ amount_sdk_new: 99 }]);
  });

  it('is refused for a column an index uses, with what to do instead', async () => {
    await q(`CREATE TABLE tagged (id int PRIMARY KEY, tag text); CREATE INDEX tagged_tag_idx ON tagged (tag);`);
    await expect(renameColumn.resolve(t.client, { table: 'tagged', from: 'tag', to: 'label' })).rejects.toMatchObject({
      code: 'E_OPERATION',
      message: 'public.tagged.tag is used by index tagged_tag_idx, which rename-column does not carry over to the new column',
    });
  });
});
