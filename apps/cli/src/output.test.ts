import { describe, expect, it } from 'vitest';
import { Output, secretsOf, truncate } from './output.js';

describe('secretsOf', () => {
  it('finds the password of a URL decoded and as written', () => {
    expect(secretsOf('postgres://u:p%40ss-word@h:5432/db')).toEqual(expect.arrayContaining(['p@ss-word', 'p%40ss-word']));
  });

  it('finds the password of a string that is not a valid URL, so a malformed DATABASE_URL is scrubbed too', () => {
    expect(secretsOf('postgres//u:s3cr3t-pw-XYZ@localhost/db')).toContain('s3cr3t-pw-XYZ');
    expect(secretsOf('--databse-url=postgres://u:s3cr3t-pw-XYZ@h/db')).toContain('s3cr3t-pw-XYZ');
  });

  it('treats a password equal to the user name as no secret, so postgres:// stays readable', () => {
    expect(secretsOf('postgres://postgres:postgres@localhost:5432/app')).toEqual([]);
    const out = new Output();
    out.addSecretsOf('postgres://postgres:postgres@localhost:5432/app');
    expect(out.scrub('cannot connect to postgres://postgres:****@localhost:5432/app')).toBe('cannot connect to postgres://postgres:****@localhost:5432/app');
  });

  it('finds nothing when there is no password', () => {
    expect(secretsOf('postgres://u@h/db')).toEqual([]);
    expect(secretsOf('postgres://h/db')).toEqual([]);
    expect(secretsOf(undefined)).toEqual([]);
  });
});

describe('Output.scrub', () => {
  it('removes a known password wherever it appears, even outside a URL', () => {
    const out = new Output();
    out.addSecretsOf('postgres://u:s3cr3t-pw-XYZ@h/db');
    expect(out.scrub('server said: password s3cr3t-pw-XYZ is wrong')).toBe('server said: password **** is wrong');
  });
});

describe('truncate', () => {
  it('keeps one line and marks what it cut', () => {
    expect(truncate('SELECT 1\n  FROM t', 80)).toBe('SELECT 1 FROM t');
    expect(truncate('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
