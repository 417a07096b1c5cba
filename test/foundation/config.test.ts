import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../src/contract/roles.js';
import { ConfigError, describeConfig, loadConfig } from '../../src/shared/config/index.js';

const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-config-'));
const load = (env: Record<string, string>, configDir = emptyDir) => loadConfig({ env, configDir });

describe('configuration', () => {
  it('has a rate-limit budget for every role of the ladder (the gateway reads RATE_LIMIT_<ROLE>)', () => {
    const config = load({}) as unknown as Record<string, unknown>;
    expect(Object.fromEntries(ROLES.map((role) => [role, config[`RATE_LIMIT_${role.toUpperCase()}`]])))
      .toEqual({ guest: 120, agent: 600, bot: 1200, admin: 1200 });
  });

  it('has a documented default for every field', () => {
    const config = load({});
    expect(config.PORT).toBe(8080);
    expect(config.PUBLIC_URL).toBe('http://localhost:8080');
    expect(config.API_AUDIENCE).toBe('http://localhost:8080/api');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.DATA_DIR).toBe(path.resolve('./data'));
    expect(config.LOG_LEVEL).toBe('info');
    // Issue 17, finding 8: loopback unless HOST says otherwise; /metrics closed unless opened.
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(config.METRICS_PUBLIC).toBe(false);
    for (const row of describeConfig()) expect(row.description, row.name).not.toBe('');
  });

  it('derives PUBLIC_URL from PORT and drops a trailing slash', () => {
    expect(load({ PORT: '9000' }).PUBLIC_URL).toBe('http://localhost:9000');
    expect(load({ PUBLIC_URL: 'https://auth.example.com/' }).PUBLIC_URL).toBe('https://auth.example.com');
  });

  it('is frozen', () => {
    const config = load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it.each([
    [{ PORT: 'eighty' }, 'invalid configuration: PORT: must be a number'],
    [{ PORT: '70000' }, 'invalid configuration: PORT: Too big: expected number to be <=65535'],
    [{ PORT: '80.5' }, 'invalid configuration: PORT: must be an integer'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'invalid configuration: DATABASE_URL: must be a postgres:// URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'invalid configuration: REDIS_URL: must be a redis:// URL'],
    [{ PUBLIC_URL: 'ftp://example.com' }, 'invalid configuration: PUBLIC_URL: must be an http(s) URL'],
    [{ LOG_LEVEL: 'loud' }, 'invalid configuration: LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"'],
    [{ ADMIN_EMAIL: 'not-an-email' }, 'invalid configuration: ADMIN_EMAIL: must be an email address'],
    [{ ADMIN_PASSWORD: 'short' }, 'invalid configuration: ADMIN_PASSWORD: must be at least 12 characters'],
    [{ ADMIN_PASSWORD: 'qwerty123456' }, 'invalid configuration: ADMIN_PASSWORD: is too common: it appears in lists of leaked passwords, so attackers try it first; choose another'],
    [{ MAIL_URL: 'http://mail.example.com' }, 'invalid configuration: MAIL_URL: must be an smtp:// or smtps:// URL: smtp://user:password@host:587'],
    [{ MAIL_URL: 'smtp://mail.example.com:587' }, 'invalid configuration: MAIL_FROM: is required when MAIL_URL is set'],
    [{ MAIL_URL: 'smtp://mail.example.com', MAIL_FROM: 'no address' }, 'invalid configuration: MAIL_FROM: must be an address, or a name and an address: Gatehouse <no-reply@example.com>'],
    [{ MAIL_STARTTLS: 'maybe' }, 'invalid configuration: MAIL_STARTTLS: Invalid option: expected one of "required"|"optional"|"off"'],
    [{ MAIL_LOCALE: 'fr' }, 'invalid configuration: MAIL_LOCALE: Invalid option: expected one of "en"|"de"'],
    [{ SECRET: 'too-short' }, 'invalid configuration: SECRET: must be at least 32 characters'],
    [{ MIGRATE_ON_START: 'perhaps' }, 'invalid configuration: MIGRATE_ON_START'],
    [{ METRICS_TOKEN: 'short' }, 'invalid configuration: METRICS_TOKEN: must be at least 16 characters'],
    [{ METRICS_TOKEN: 'metrics-token-0123456789', METRICS_PUBLIC: 'true' }, 'invalid configuration: METRICS_PUBLIC: cannot be true while METRICS_TOKEN is set; choose one'],
  ])('refuses %o with a one-line message naming the field', (env, message) => {
    let error: unknown;
    try {
      load(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.startsWith(message)).toBe(true);
    expect((error as Error).message).not.toContain('\n');
  });

  it('treats empty environment values of optional fields as unset', () => {
    const config = load({ DATABASE_URL: '', REDIS_URL: '', ADMIN_PASSWORD: '' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.ADMIN_PASSWORD).toBeUndefined();
  });

  it('ignores environment variables it does not know', () => {
    expect(() => load({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it('reads config/<NODE_ENV>.json and local.json, with the environment winning', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-config-files-'));
    writeFileSync(path.join(dir, 'production.json'), JSON.stringify({ PORT: 9100, LOG_LEVEL: 'warn', SHUTDOWN_TIMEOUT_MS: 5 }));
    writeFileSync(path.join(dir, 'local.json'), JSON.stringify({ LOG_LEVEL: 'error' }));
    const config = load({ NODE_ENV: 'production', SHUTDOWN_TIMEOUT_MS: '7' }, dir);
    expect(config.PORT).toBe(9100);
    expect(config.LOG_LEVEL).toBe('error');
    expect(config.SHUTDOWN_TIMEOUT_MS).toBe(7);
  });

  it('refuses unknown keys and malformed JSON in a config file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-config-bad-'));
    writeFileSync(path.join(dir, 'development.json'), JSON.stringify({ PROT: 1 }));
    expect(() => load({}, dir)).toThrow('invalid configuration: (root): unknown key(s) PROT');
    writeFileSync(path.join(dir, 'development.json'), '{ "PORT": ');
    expect(() => load({}, dir)).toThrow(/^invalid configuration: .*development\.json: /);
  });
});
