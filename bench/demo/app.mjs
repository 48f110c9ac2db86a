// The simulated application of `pnpm demo`: a few node-postgres clients, each in a loop of
// single-statement transactions on random rows of auth.users (a point read, an update by id, an
// insert), every one logged with its end time and latency. Two versions, as in the guide's step
// 2: v1 knows nothing of phone_number; v2 (deployed between the expand and the contract) reads it
// and writes it on every insert.
import pg from 'pg';

/** The share of each kind of transaction, out of 100. */
export const MIX = { read: 60, update: 30, insert: 10 };

const SQL = {
  v1: {
    read: 'SELECT id, email, status, updated_at FROM auth.users WHERE id = $1',
    insert: 'INSERT INTO auth.users (email) VALUES ($1)',
  },
  v2: {
    read: 'SELECT id, email, status, phone_number, updated_at FROM auth.users WHERE id = $1',
    insert: 'INSERT INTO auth.users (email, phone_number) VALUES ($1, $2)',
  },
  update: "UPDATE auth.users SET status = CASE status WHEN 'active' THEN 'idle' ELSE 'active' END, updated_at = now() WHERE id = $1",
};

const now = () => performance.timeOrigin + performance.now();

function pick() {
  const r = Math.random() * 100;
  return r < MIX.read ? 'read' : r < MIX.read + MIX.update ? 'update' : 'insert';
}

/**
 * Starts `clients` clients on `config` (a pg.Client config) reading and writing ids 1..`rows`.
 * `log.ok` holds `{ end, ms, kind }` (epoch ms), `log.failed` `{ end, ms, kind, code, message }`:
 * the shape bench/zero-downtime/load.mjs's windowStats reads, `kind` of a failure being its
 * SQLSTATE and condition. Transactions have no timeout: a query stuck behind a lock waits for it,
 * as an application without statement_timeout does, and shows as latency and a stall.
 */
export async function startApp(config, { clients, rows }) {
  const log = { ok: [], failed: [] };
  let version = 'v1';
  let running = true;
  let seq = 0;
  const connections = [];
  for (let i = 0; i < clients; i++) {
    const client = new pg.Client({ ...config, application_name: `sdk demo app ${i + 1}` });
    // A connection the server drops is an error of the transaction that was running; the loop ends.
    client.on('error', () => {});
    await client.connect();
    connections.push(client);
  }
  const loop = async (client, n) => {
    while (running) {
      const kind = pick();
      const sql = SQL[version];
      const id = 1 + Math.floor(Math.random() * rows);
      const began = now();
      try {
        if (kind === 'read') await client.query(sql.read, [id]);
        else if (kind === 'update') await client.query(SQL.update, [id]);
        else {
          const email = `app-${n}-${++seq}@example.com`;
          if (version === 'v1') await client.query(sql.insert, [email]);
          else await client.query(sql.insert, [email, `+1-555-${String(seq % 1e7).padStart(7, '0')}`]);
        }
        const end = now();
        log.ok.push({ end, ms: end - began, kind });
      } catch (error) {
        const end = now();
        log.failed.push({ end, ms: end - began, kind: `${error.code ?? 'no SQLSTATE'} ${kind}`, message: error.message });
        if (!error.code) return; // not a statement error: the connection is gone
      }
    }
  };
  const loops = connections.map((client, i) => loop(client, i + 1));
  return {
    log,
    /** The guide's step 2: the application version that writes the new column. */
    deploy(next) {
      version = next;
    },
    get version() {
      return version;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(connections.map((c) => c.end().catch(() => {})));
      return log;
    },
  };
}

/** One line on the application over the last `ms` before `at`, for the progress on stderr. */
export function recentLine(log, at, ms) {
  const from = at - ms;
  const latencies = [];
  for (let i = log.ok.length - 1; i >= 0 && log.ok[i].end >= from; i--) latencies.push(log.ok[i].ms);
  latencies.sort((a, b) => a - b);
  const p99 = latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)] : 0;
  let errors = 0;
  for (let i = log.failed.length - 1; i >= 0 && log.failed[i].end >= from; i--) errors++;
  return `app: ${Math.round((latencies.length * 1000) / ms).toLocaleString('en-US')} tx/s, p99 ${p99.toFixed(1)} ms, ${errors} error${errors === 1 ? '' : 's'} (last ${ms / 1000} s)`;
}
