// A backfill in a process of its own, for the kill tests: BACKFILL_URL, BACKFILL_TABLE,
// BACKFILL_SET, BACKFILL_WHERE (optional), BACKFILL_MAX_ROWS. Prints one JSON line per batch.
import { backfill } from '../../../dist/index.js';

const result = await backfill(process.env.BACKFILL_URL, {
  table: process.env.BACKFILL_TABLE,
  set: process.env.BACKFILL_SET,
  where: process.env.BACKFILL_WHERE || undefined,
  maxRowsPerBatch: Number(process.env.BACKFILL_MAX_ROWS ?? 500),
  firstBatchRows: 100,
  throttle: false,
  onEvent: (event) => {
    if (event.type === 'batch') process.stdout.write(`${JSON.stringify(event)}\n`);
  },
});
process.stdout.write(`${JSON.stringify({ type: 'finished', rows: result.rows })}\n`);
