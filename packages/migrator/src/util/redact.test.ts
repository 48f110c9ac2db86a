import { describe, expect, it } from 'vitest';
import { passwordOf, redactText, redactUrl, redactWebhookUrl, urlSecrets } from './redact.js';

describe('redaction', () => {
  it('hides the password of a connection string, keeping the rest readable', () => {
    expect(redactUrl('postgres://app:s3cr%40t@db.internal:5432/prod?sslmode=require')).toBe('postgres://app:****@db.internal:5432/prod?sslmode=require');
    expect(redactUrl('postgres://db.internal/prod?password=hunter22')).toBe('postgres://db.internal/prod?password=****');
  });

  it('hides URL passwords and password= settings inside free text', () => {
    expect(redactText('could not connect to postgresql://u:pw1@h/d and password=abc123 failed')).toBe(
      'could not connect to postgresql://u:****@h/d and password=**** failed',
    );
  });

  it('hides a known secret wherever it appears, even inside a longer word, but not as a URL scheme', () => {
    expect(redactText('token hunter2 leaked; xhunter22', ['hunter2'])).toBe('token **** leaked; x****2');
    expect(redactText('postgres://app:****@h/d on PostgreSQL', ['postgres'])).toBe('postgres://app:****@h/d on PostgreSQL');
  });

  it('treats a password equal to the user name as no secret, and reads one from a malformed URL', () => {
    expect(passwordOf('postgres://postgres:postgres@localhost/app')).toBeUndefined();
    expect(passwordOf('postgres://app:Xy9-secret@localhost/app')).toBe('Xy9-secret');
    expect(passwordOf('postgres//app:Xy9-secret@localhost/app')).toBeUndefined();
    expect(passwordOf('not a url://app:Xy9-secret@localhost')).toBe('Xy9-secret');
  });

  it('shows a webhook URL as its scheme and host only: its path, query and userinfo are its secret', () => {
    expect(redactWebhookUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe('https://hooks.slack.com');
    expect(redactWebhookUrl('https://user:pw@hooks.example.com:8443/x?token=abc#frag')).toBe('https://hooks.example.com:8443');
    expect(redactWebhookUrl('hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe('<not a URL>');
  });

  it('lists the parts of a URL to scrub from text that may echo it, longest first', () => {
    const url = 'https://bot:pa55@hooks.example.com/api/T0001/s%20cret?token=QuerySecret456';
    const secrets = urlSecrets(url);
    expect(secrets[0]).toBe(url);
    expect(secrets).toEqual(expect.arrayContaining(['bot', 'pa55', 'T0001', 's%20cret', 's cret', 'QuerySecret456', '/api/T0001/s%20cret?token=QuerySecret456']));
    expect(secrets).not.toContain('hooks.example.com');
    expect(redactText(`POST ${url} failed: invalid token QuerySecret456`, secrets)).toBe('POST https://****:****@hooks.example.com**** failed: invalid token ****');
  });
});
