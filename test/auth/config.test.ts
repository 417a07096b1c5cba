import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/shared/config/index.js';

const load = (env: Record<string, string>) => loadConfig({ env, configDir: path.join(os.tmpdir(), 'gatehouse-no-config-dir') });

describe('auth settings', () => {
  it('has documented defaults', () => {
    const config = load({});
    expect(config.IMPLICIT_ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.ACCESS_TOKEN_TTL_SECONDS).toBe(3600);
    expect(config.PKCE_REQUIRED_FOR_CONFIDENTIAL_CLIENTS).toBe(true);
  });

  it('refuses implicit tokens longer than 15 minutes (seed 000: short-lived)', () => {
    expect(() => load({ IMPLICIT_ACCESS_TOKEN_TTL_SECONDS: '901' })).toThrow(ConfigError);
    expect(() => load({ IMPLICIT_ACCESS_TOKEN_TTL_SECONDS: '901' })).toThrow('invalid configuration: IMPLICIT_ACCESS_TOKEN_TTL_SECONDS: must be at most 900 (15 minutes)');
    expect(load({ IMPLICIT_ACCESS_TOKEN_TTL_SECONDS: '300' }).IMPLICIT_ACCESS_TOKEN_TTL_SECONDS).toBe(300);
  });

  it('names the field of a bad value', () => {
    expect(() => load({ LOGIN_BLOCK_SECONDS: 'soon' })).toThrow('invalid configuration: LOGIN_BLOCK_SECONDS: must be a number');
  });
});
