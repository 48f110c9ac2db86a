import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { BackupProgress } from '@big0290/migrator/backup';
import { duration, type Output } from './output.js';

const PHASE_WORD: Record<BackupProgress['phase'], string> = {
  dumping: 'Dumping',
  checksum: 'Checksum',
  restoring: 'Restoring',
  comparing: 'Comparing',
};

/** How often a log line is written when stderr is not a terminal (CI logs). */
const LOG_EVERY_MS = 10_000;

/**
 * Progress of a dump or restore on stderr: a bar with tables, rows, rate and ETA on a terminal;
 * otherwise (CI logs) a line when a phase starts and every 10 s. Nothing with --json unless --verbose.
 */
export class ProgressDisplay {
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly log: boolean;
  private started = false;
  private phase: BackupProgress['phase'] | undefined;
  private loggedAt = 0;

  constructor(private readonly out: Output) {
    this.log = (!out.json || out.verbose) && !process.stderr.isTTY;
    if ((out.json && !out.verbose) || this.log) return;
    // Loaded only for a terminal: CI logs and --json never draw a bar.
    const bars = createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
    this.bar = new bars.SingleBar(
      {
        stream: process.stderr,
        format: '{phase} [{bar}] {percentage}% | tables {tables} | rows {rows} | {rate} rows/s | ETA {left}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 1,
        fps: 5,
      },
      bars.Presets.shades_classic,
    );
  }

  readonly update = (p: BackupProgress): void => {
    if (this.log) {
      this.logLine(p);
      return;
    }
    if (!this.bar) return;
    const total = p.bytesTotal > 0 ? p.bytesTotal : Math.max(1, p.tablesTotal);
    const value = p.bytesTotal > 0 ? p.bytesDone : p.tablesDone;
    const payload = {
      phase: PHASE_WORD[p.phase].padEnd(9),
      tables: `${p.tablesDone}/${p.tablesTotal}`,
      rows: `${p.rowsDone.toLocaleString('en-US')}/${p.rowsTotal.toLocaleString('en-US')}`,
      rate: p.elapsedMs > 0 ? Math.round((p.rowsDone * 1000) / p.elapsedMs).toLocaleString('en-US') : '0',
      left: p.etaMs === undefined ? '…' : duration(p.etaMs),
    };
    if (!this.started || this.phase !== p.phase) {
      if (this.started) this.bar.stop();
      this.bar.start(total, Math.min(value, total), payload);
      this.started = true;
      this.phase = p.phase;
    } else {
      this.bar.setTotal(total);
      this.bar.update(Math.min(value, total), payload);
    }
  };

  private logLine(p: BackupProgress): void {
    const now = Date.now();
    if (this.phase === p.phase && now - this.loggedAt < LOG_EVERY_MS) return;
    this.phase = p.phase;
    this.loggedAt = now;
    const rate = p.elapsedMs > 0 ? Math.round((p.rowsDone * 1000) / p.elapsedMs) : 0;
    const percent = p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : p.tablesTotal > 0 ? Math.floor((100 * p.tablesDone) / p.tablesTotal) : 100;
    const eta = p.etaMs === undefined ? '' : `, ETA ${duration(p.etaMs)}`;
    this.out.info(
      `${PHASE_WORD[p.phase].toLowerCase()}: ${percent}%, tables ${p.tablesDone}/${p.tablesTotal}, rows ${p.rowsDone.toLocaleString('en-US')}/${p.rowsTotal.toLocaleString('en-US')}, ${rate.toLocaleString('en-US')} rows/s${eta}`,
    );
  }

  stop(): void {
    if (this.started) this.bar?.stop();
    this.started = false;
  }
}
