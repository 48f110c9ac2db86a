import { describe, expect, it } from 'vitest';
import { commitGuard, withoutFinalCommit } from './restore-script.js';

describe('the restore script', () => {
  it('only the COMMIT pg_restore writes at the very end is taken out of its script', () => {
    const end = '\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict abc123\n\n';
    expect(withoutFinalCommit(Buffer.from(`SELECT 1;\nCOMMIT;\n${end}`))?.toString()).toBe(`SELECT 1;\n${end}`);
    expect(withoutFinalCommit(Buffer.from('SELECT 1;\nCOMMIT;\n\n'))?.toString()).toBe('SELECT 1;\n\n');
    expect(withoutFinalCommit(Buffer.from('COMMIT;\nSELECT 1;\n'))).toBeUndefined();
    expect(withoutFinalCommit(Buffer.from('SELECT 1;\n'))).toBeUndefined();
  });

  it('checks the lock holder by pid, backend start and both keys, in pg_locks', () => {
    const sql = commitGuard({ pid: 4242, startedUs: '1733212345123456', keys: [7562347, 7170407] });
    expect(sql).toContain('l.pid = 4242 AND l.classid = 7562347 AND l.objid = 7170407 AND l.objsubid = 2');
    expect(sql).toContain('(extract(epoch FROM a.backend_start) * 1000000)::bigint = 1733212345123456');
    expect(() => commitGuard({ pid: 1, startedUs: "1; DROP TABLE x", keys: [1, 2] })).toThrow(/^not a session: /);
  });
});
