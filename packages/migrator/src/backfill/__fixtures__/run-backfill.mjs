// A backfill in a process of its own, for the kill tests: BACKFILL_URL, BACKFILL_TABLE,
// BACKFILL_SET, BACKFILL_WHERE (optional), BACKFILL_MAX_ROWS. With BACKFILL_INTO (and
// BACKFILL_COLUMNS, BACKFILL_SELECT: comma-separated), a copy into that table instead.
// Prints one JSON line per batch.
import { backfill, copy } from '../../../dist/index.js';

const list = (text) => (text ? text.split(',').map((s) => s.trim()) : undefined);
const settings = {
  maxRowsPerBatch: Number(process.env.BACKFILL_MAX_ROWS ?? 500),
  firstBatchRows: 100,
  throttle: false,
  onEvent: (event) => {
    if (event.type === 'batch') process.stdout.write(`${JSON.stringify(event)}\n`);
  },
};
const result = process.env.BACKFILL_INTO
  ? await copy(process.env.BACKFILL_URL, {
      table: process.env.BACKFILL_TABLE,
      into: process.env.BACKFILL_INTO,
      columns: list(process.env.BACKFILL_COLUMNS),
      select: list(process.env.BACKFILL_SELECT),
      ...settings,
    })
  : await backfill(process.env.BACKFILL_URL, {
      table: process.env.BACKFILL_TABLE,
      set: process.env.BACKFILL_SET,
      where: process.env.BACKFILL_WHERE || undefined,
      ...settings,
    });
process.stdout.write(`${JSON.stringify({ type: 'finished', rows: result.rows })}\n`);
