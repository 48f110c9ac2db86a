import { describe, expect, it } from 'vitest';
import { changeColumnType } from './change-column-type.js';
import { renameColumn } from './rename-column.js';
import { expandSql, syncTriggerDatabase } from './__fixtures__/sync-db.js';

const t = syncTriggerDatabase('opreview');
const { q } = t;

describe('the sync trigger, reviewed', () => {
  it('keeps UPDATEs working on a table whose synced column has no equality operator (json)', async () => {
    await q(`CREATE TABLE docs (id int PRIMARY KEY, body json, title text);
             INSERT INTO docs SELECT g, json_build_object('n', g), 't' || g FROM generate_series(1, 300) g;`);
    const plan = renameColumn.plan(await renameColumn.resolve(t.client, { table: 'docs', from: 'body', to: 'content' }));
    for (const sql of expandSql(plan)) await q(sql);
    // The old version updates another column, then the json column; the new one its column.
    await q(`UPDATE docs SET title = 'changed' WHERE id = 1`);
    await q(`UPDATE docs SET body = '{"old": 2}' WHERE id = 2`);
    await q(`UPDATE docs SET content = '{"new": 3}' WHERE id = 3`);
    await t.runBackfill(plan, 100);
    expect(await q(`SELECT id, body::text, content::text FROM docs WHERE id <= 3 ORDER BY id`)).toEqual([
      { id: 1, body: '{"n" : 1}', content: '{"n" : 1}' },
      { id: 2, body: '{"old": 2}', content: '{"old": 2}' },
      { id: 3, body: '{"new": 3}', content: '{"new": 3}' },
    ]);
    expect(await q(`SELECT count(*)::int AS n FROM docs WHERE body::text IS DISTINCT FROM content::text`)).toEqual([{ n: 0 }]);
  });

  it('keeps UPDATEs working when the new type has no equality operator (text to json)', async () => {
    await q(`CREATE TABLE settings (id int PRIMARY KEY, value text, note text);
             INSERT INTO settings SELECT g, '{"n": ' || g || '}', 'x' FROM generate_series(1, 200) g;`);
    const plan = changeColumnType.plan(await changeColumnType.resolve(t.client, { table: 'settings', column: 'value', type: 'json' }));
    for (const sql of expandSql(plan)) await q(sql);
    await q(`UPDATE settings SET note = 'y' WHERE id = 1`);
    await t.runBackfill(plan, 100);
    expect(await q(`SELECT count(*)::int AS n FROM settings WHERE value IS DISTINCT FROM value_sdk_new::text`)).toEqual([{ n: 0 }]);
  });

  it('never lets the backfill rewrite the old column when the USING expression is not of the new type', async () => {
    await q(`CREATE TABLE fees (id int PRIMARY KEY, amount numeric(10,3));
             INSERT INTO fees SELECT g, g + 0.505 FROM generate_series(1, 300) g;`);
    const plan = changeColumnType.plan(await changeColumnType.resolve(t.client, { table: 'fees', column: 'amount', type: 'bigint', using: 'amount * 100' }));
    for (const sql of expandSql(plan)) await q(sql);
    await t.runBackfill(plan, 100);
    // The old version still reads amount: the backfill must not have touched it.
    expect(await q(`SELECT amount::text, amount_sdk_new::int AS n FROM fees WHERE id = 1`)).toEqual([{ amount: '1.505', n: 151 }]);
    expect(await q(`SELECT count(*)::int AS n FROM fees WHERE amount <> id + 0.505`)).toEqual([{ n: 0 }]);
  });

  it('refuses a USING expression that the trigger cannot evaluate (columns qualified with the table name), before anything is written', async () => {
    await q(`CREATE TABLE tolls (id int PRIMARY KEY, amount numeric(10,2)); INSERT INTO tolls VALUES (1, 1.5);`);
    const resolved = changeColumnType.resolve(t.client, { table: 'tolls', column: 'amount', type: 'bigint', using: 'round(tolls.amount * 100)::bigint' });
    const outcome = await resolved.then(
      async (r) => {
        // Accepted: then the expand must leave the application's writes working.
        for (const sql of expandSql(changeColumnType.plan(r))) await q(sql);
        await q(`INSERT INTO tolls (id, amount) VALUES (2, 2.5)`);
        return 'writes work';
      },
      (error: unknown) => (error as { code?: string }).code,
    );
    expect(['E_OPERATION', 'writes work']).toContain(outcome);
  });
});
