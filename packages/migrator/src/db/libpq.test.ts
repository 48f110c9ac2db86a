import { describe, expect, it } from 'vitest';
import { databaseOf, libpqTarget } from './libpq.js';

describe('libpqTarget', () => {
  it('moves the password to PGPASSWORD, out of the URL the child sees', () => {
    const t = libpqTarget('postgres://app:s%40cret%3A1@db.example.com:5433/shop?sslmode=require', 'sdk backup', {});
    expect(t.dbname).toBe('postgres://app@db.example.com:5433/shop?sslmode=require');
    expect(t.env).toEqual({ PGAPPNAME: 'sdk backup', PGPASSWORD: 's@cret:1' });
  });

  it('takes a password given as a query parameter too', () => {
    const t = libpqTarget('postgres://app@db/shop?password=hunter22', 'x', {});
    expect(t.dbname).toBe('postgres://app@db/shop');
    expect(t.env.PGPASSWORD).toBe('hunter22');
  });

  it("translates node-postgres's ssl parameters and drops the ones libpq would refuse", () => {
    expect(libpqTarget('postgres://a@h/d?ssl=true&schema=public', 'x', {}).dbname).toBe('postgres://a@h/d?sslmode=require');
    expect(libpqTarget('postgres://a@h/d?ssl=0', 'x', {}).dbname).toBe('postgres://a@h/d?sslmode=disable');
    expect(libpqTarget('postgres://a@h/d?sslmode=no-verify', 'x', {}).dbname).toBe('postgres://a@h/d?sslmode=require');
    expect(libpqTarget('postgres://a@h/d?ssl=true&sslmode=verify-full&sslrootcert=%2Fca.pem&connect_timeout=5', 'x', {}).dbname).toBe(
      'postgres://a@h/d?sslmode=verify-full&sslrootcert=%2Fca.pem&connect_timeout=5',
    );
  });

  it('names the database as libpq would', () => {
    expect(databaseOf('postgres://app@h/shop')).toBe('shop');
    expect(databaseOf('postgres://app@h')).toBe('app');
  });
});
