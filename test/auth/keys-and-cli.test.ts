import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rotateSigningKeys, SIGNING_KEYS_CHANNEL } from '../../src/auth/keys/signing-keys.js';
import { main } from '../../src/cli/main.js';
import { startTestGatehouse, TEST_SECRET, type TestGatehouse } from '../helpers/gatehouse.js';
import { discover, registerClient } from './helpers/oauth.js';

describe('signing-key rotation without restart', () => {
  let gatehouse: TestGatehouse;
  let config: oidc.Configuration;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse();
    const service = await registerClient(gatehouse, { type: 'service', signing_alg: 'ES256' });
    config = await discover(gatehouse, service.client.id, service.clientSecret);
  });
  afterAll(() => gatehouse?.stop());

  it('signs new tokens with the new key while old tokens keep verifying against the JWKS', async () => {
    const before = (await oidc.clientCredentialsGrant(config)).access_token;
    const oldKid = decodeProtectedHeader(before).kid;
    const { runtime } = gatehouse;
    const rotated = await rotateSigningKeys({ knex: runtime.db.knex, secrets: runtime.secrets, config: runtime.config, now: () => runtime.clock.now() });
    await runtime.bus.publish(SIGNING_KEYS_CHANNEL, { generation: rotated.generation });
    await vi.waitFor(async () => {
      const after = (await oidc.clientCredentialsGrant(config)).access_token;
      expect(decodeProtectedHeader(after).kid).not.toBe(oldKid);
    }, { timeout: 5_000, interval: 100 });
    const after = (await oidc.clientCredentialsGrant(config)).access_token;
    expect(rotated.kids).toContain(decodeProtectedHeader(after).kid);

    const jwks = (await (await fetch(`${gatehouse.url}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string; d?: string }> };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, ...rotated.kids]));
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
    const verify = (token: string) => jwtVerify(token, createLocalJWKSet(jwks as never), { issuer: gatehouse.url, typ: 'at+jwt' });
    await expect(verify(before)).resolves.toBeTruthy();
    await expect(verify(after)).resolves.toBeTruthy();
    const retire = await runtime.db.knex('signing_keys').where({ kid: oldKid }).first();
    expect(retire.retire_after.getTime()).toBeGreaterThan(runtime.clock.now() + 3600_000);
  });

  it('picks up a rotation made by another process by polling, without a bus message', async () => {
    const polling = await startTestGatehouse({ config: { SIGNING_KEY_REFRESH_SECONDS: 1 } });
    try {
      const service = await registerClient(polling, { type: 'service' });
      const cfg = await discover(polling, service.client.id, service.clientSecret);
      const oldKid = decodeProtectedHeader((await oidc.clientCredentialsGrant(cfg)).access_token).kid;
      const { runtime } = polling;
      const rotated = await rotateSigningKeys({ knex: runtime.db.knex, secrets: runtime.secrets, config: runtime.config, now: () => runtime.clock.now() });
      await vi.waitFor(async () => {
        const kid = decodeProtectedHeader((await oidc.clientCredentialsGrant(cfg)).access_token).kid;
        expect(rotated.kids).toContain(kid);
      }, { timeout: 5_000, interval: 200 });
      expect(rotated.kids).not.toContain(oldKid);
    } finally {
      await polling.stop();
    }
  });

  it('signs with RS256 for clients registered for it', async () => {
    const rs = await registerClient(gatehouse, { type: 'service', signing_alg: 'RS256' });
    const token = (await oidc.clientCredentialsGrant(await discover(gatehouse, rs.client.id, rs.clientSecret))).access_token;
    expect(decodeProtectedHeader(token).alg).toBe('RS256');
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(`${gatehouse.url}/oauth2/jwks`)), { algorithms: ['RS256'] })).resolves.toBeTruthy();
  });

  it('stops publishing a retired key once every token it signed has expired', async () => {
    const { runtime } = gatehouse;
    const [oldest] = await runtime.db.knex('signing_keys').orderBy('generation').limit(1);
    await runtime.db.knex('signing_keys').where({ generation: oldest.generation }).update({ retire_after: new Date(runtime.clock.now() - 1000) });
    await runtime.bus.publish(SIGNING_KEYS_CHANNEL, {});
    await vi.waitFor(async () => {
      const jwks = (await (await fetch(`${gatehouse.url}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).not.toContain(oldest.kid);
      expect(jwks.keys.length).toBeGreaterThan(0);
    }, { timeout: 5_000, interval: 100 });
  });

  it('stores private keys encrypted', async () => {
    const rows = await gatehouse.runtime.db.knex('signing_keys').select('private_jwk_encrypted');
    for (const row of rows) {
      expect(row.private_jwk_encrypted).toMatch(/^v1\./);
      expect(row.private_jwk_encrypted).not.toContain('"d"');
    }
  });
});

describe('gatehouse client create / keys rotate (CLI)', () => {
  let dataDir: string;
  const saved = { ...process.env };

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
    for (const key of ['DATABASE_URL', 'REDIS_URL']) delete process.env[key];
    Object.assign(process.env, { DATA_DIR: dataDir, SECRET: TEST_SECRET, LOG_LEVEL: 'silent', PUBLIC_URL: 'http://localhost:8080' });
  });
  afterAll(() => {
    process.env = saved;
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
    const error = vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
    try {
      return { code: await main(args), out: out.join('\n'), err: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  it('creates clients of each type and prints the secret once', async () => {
    await run(['org', 'create', '--name', 'Only org']);
    const web = await run(['client', 'create', '--name', 'Web', '--type', 'web', '--redirect-uri', 'https://app.example/cb', '--scope', 'agent', '--json']);
    expect(web.code).toBe(0);
    const parsed = JSON.parse(web.out) as Record<string, string>;
    expect(parsed.client_id).toMatch(/^gh_/);
    expect(parsed.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parsed.maxRole).toBe('agent');
    const spa = await run(['client', 'create', '--name', 'SPA', '--type', 'spa', '--redirect-uri', 'http://localhost:5173/']);
    expect(spa.code).toBe(0);
    expect(spa.out).toMatch(/^client_id: gh_/);
    expect(spa.out).not.toContain('client_secret');
    const svc = await run(['client', 'create', '--name', 'Bot', '--type', 'service', '--json']);
    expect(JSON.parse(svc.out)).toMatchObject({ type: 'service', maxRole: 'bot' });
    const listed = await run(['client', 'list', '--json']);
    expect((JSON.parse(listed.out) as unknown[]).length).toBe(3);
    expect(listed.out).not.toContain(parsed.client_secret);
  });

  it.each([
    [['--type', 'web', '--redirect-uri', 'javascript:alert(1)'], 'forbidden javascript scheme'],
    [['--type', 'web', '--redirect-uri', 'data:text/html,hi'], 'forbidden data scheme'],
    [['--type', 'web', '--redirect-uri', 'http://app.example/cb'], 'plain http is only allowed for loopback hosts'],
    [['--type', 'web', '--redirect-uri', 'https://app.example/cb#x'], 'must not contain a fragment'],
    [['--type', 'web', '--redirect-uri', 'https://user@app.example/cb'], 'must not contain user information'],
    [['--type', 'spa', '--redirect-uri', 'myapp:/cb'], 'must be an https URI'],
    [['--type', 'web'], 'needs at least one redirect URI'],
    [['--type', 'robot', '--redirect-uri', 'https://a.example/'], '--type must be one of web, spa, native, service'],
    [['--type', 'web', '--redirect-uri', 'https://a.example/', '--scope', 'superuser'], '--scope must name the highest role'],
  ])('refuses %j with a clear message', async (args, message) => {
    const result = await run(['client', 'create', '--name', 'Bad', ...args]);
    expect(result.code).not.toBe(0);
    expect(result.err).toContain(message);
  });

  it('accepts native private-use schemes and loopback http', async () => {
    const result = await run(['client', 'create', '--name', 'Desktop', '--type', 'native', '--redirect-uri', 'com.example.desktop:/cb', '--redirect-uri', 'http://127.0.0.1/cb']);
    expect(result.code).toBe(0);
  });

  it('rotates keys', async () => {
    const first = await run(['keys', 'rotate', '--json']);
    const second = await run(['keys', 'rotate', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(second.out).generation).toBe(JSON.parse(first.out).generation + 1);
  });
});
