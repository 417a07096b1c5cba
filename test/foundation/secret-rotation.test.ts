import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type OwnedRuntime } from '../../src/cli/runtime.js';
import { settleInstallationSecret } from '../../src/cli/installation-secret.js';
import { rotateRootSecret } from '../../src/cli/secret-rotation.js';
import { start, type Started } from '../../src/cli/start.js';
import { findOrganization } from '../../src/db/accounts.js';
import { createClientService } from '../../src/db/oauth-clients/client-service.js';
import { decryptString } from '../../src/db/oauth-clients/encryption.js';
import { createInProcessBus } from '../../src/shared/bus.js';
import { fixedClock } from '../../src/shared/clock.js';
import { ConfigError } from '../../src/shared/config/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { deriveKey, loadSecrets } from '../../src/shared/secrets.js';
import { createTestDatabase, type TestDatabase } from '../helpers/backend.js';
import { freePort } from '../helpers/net.js';
import { testConfig } from '../helpers/runtime.js';
import { call, insertOrganizationWithWidget, memberKey } from '../gateway/visitor-fixtures.js';

// One database, restarted with each step of a root-secret rotation (docs/operating.md): what was
// made under the old secret keeps working through the grace period, and not after it.

const OLD = 'old-root-secret-0123456789-abcdefghijklmnop';
const NEW = 'new-root-secret-9876543210-zyxwvutsrqponmlk';
const OTHER = 'some-other-secret-that-is-long-enough-4242';
const SITE = 'https://shop.example.com';
const DAY = 86_400_000;

describe('one installation, one root secret, rotated', () => {
  let db: TestDatabase;
  const clock = fixedClock(Date.now());
  let running: { runtime: OwnedRuntime; started: Started; url: string } | undefined;
  // One issuer URL for every restart (tokens issued before a restart stay valid after it); a new
  // port each time (a kept-alive connection to the stopped process is not reused).
  let port: number;

  async function boot(secrets: { SECRET: string; SECRET_PREVIOUS?: string }) {
    await running?.started.stop();
    const config = testConfig({
      ...secrets, ...(db.url ? { DATABASE_URL: db.url } : {}), PORT: await freePort(), PUBLIC_URL: `http://127.0.0.1:${port}`,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', RATE_LIMIT_ANONYMOUS: 10_000,
    });
    // The database outlives each process: closing a runtime leaves it open.
    const runtime = await createRuntime(config, createLogger({ level: 'silent' }), { db: { ...db, close: async () => {} }, clock });
    const started = await start({ config, logger: runtime.logger, role: 'all', runtime, print: () => {} });
    running = { runtime, started, url: started.urls.gateway! };
    return running;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    port = await freePort();
  });
  afterAll(async () => {
    await running?.started.stop();
    await db.close();
  });

  it('refuses a process whose secret is not the installation\'s, naming the fix', async () => {
    await boot({ SECRET: OLD });
    const mismatched = loadSecrets({ secret: OTHER, dataDir: '/nonexistent' });
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    await expect(settleInstallationSecret(db.knex, mismatched, { now: clock.now, generated: false })).rejects.toThrow(new ConfigError(
      `SECRET does not match this installation's root secret (the database recorded its fingerprint on ${today}). ` +
      'Every process of one installation must use the same secret: set SECRET to the value the other processes use.',
    ));
    const row = await db.knex('installation_secret').first();
    expect(JSON.stringify(row)).not.toContain(OLD);
  });

  it('keeps keys, tokens, client and webhook secrets and visitors working across a rotation; the old secret stops at the end of the grace period', async () => {
    let { url } = running!;
    const { runtime } = running!;
    const knex = db.knex;
    const org = (await findOrganization(knex, 'Default organization'))!.id;
    const usedKey = await memberKey(knex, runtime.secrets.derive('api-key-hash'), org, 'admin');
    const idleKey = await memberKey(knex, runtime.secrets.derive('api-key-hash'), org, 'agent');
    const signedIn = await call(url, 'POST', '/v2/auth/token', { body: { email: 'admin@example.test', password: 'admin-password-1' } });
    const token = `Bearer ${signedIn.body.token as string}`;
    const webhook = await call(url, 'POST', '/v2/webhooks', { headers: { authorization: usedKey }, body: { url: 'http://127.0.0.1:9/hook', events: ['*'] } });
    expect(webhook.status).toBe(201);
    const webhookSecret = webhook.body.data!.secret as string;
    const clients = createClientService({ knex, secrets: runtime.secrets, publicUrl: runtime.config.PUBLIC_URL, cutoff: { bus: createInProcessBus(), clock, config: runtime.config } });
    const service = await clients.create({ name: 'Nightly export', type: 'service', redirect_uris: [], organization_id: org, max_role: 'bot' });
    const basic = `Basic ${Buffer.from(`${service.client.id}:${service.clientSecret!}`).toString('base64')}`;
    const widget = await insertOrganizationWithWidget(knex, [SITE]);
    const opened = await call(url, 'POST', `/v2/widgets/${widget.clientToken}/sessions`, { headers: { origin: SITE }, body: {} });
    const visitorSecret = (opened.body.data as { visitor_secret: string }).visitor_secret;

    const works = async () => {
      const me = (authorization: string) => call(running!.url, 'GET', '/v2/users/me', { headers: { authorization } }).then((r) => r.status);
      const credentials = await fetch(`${running!.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=bot' });
      const resumed = await call(running!.url, 'POST', `/v2/widgets/${widget.clientToken}/sessions`, { headers: { origin: SITE }, body: { visitor_secret: visitorSecret } });
      return { key: await me(usedKey), token: await me(token), clientCredentials: credentials.status, visitor: resumed.status };
    };
    const allWork = { key: 200, token: 200, clientCredentials: 200, visitor: 200 };
    const webhookSecretNow = async () => {
      const row = await knex('webhook_endpoints').where({ id: webhook.body.data!.id }).first();
      return (await import('../../src/domain/webhook-secrets.js')).openWebhookSecret(running!.runtime.secrets, row.id, row.secret);
    };
    expect(await works()).toEqual(allWork);
    const idleWorks = () => call(running!.url, 'GET', '/v2/users/me', { headers: { authorization: idleKey } }).then((r) => r.status);
    expect(await idleWorks()).toBe(200);

    // Step 1: every process gets the new secret, the installation's as SECRET_PREVIOUS.
    await boot({ SECRET: NEW, SECRET_PREVIOUS: OLD });
    expect(await works()).toEqual(allWork);
    expect(await webhookSecretNow()).toBe(webhookSecret);
    expect(await idleWorks()).toBe(200);

    // Step 2: the rotation re-seals everything sealed at rest.
    const rotated = await rotateRootSecret(knex, loadSecrets({ secret: NEW, previous: OLD, dataDir: '/nonexistent' }), { now: clock.now, graceMs: 7 * DAY });
    expect(rotated.first).toBe(true);
    expect(rotated.resealed['signing keys']).toBeGreaterThan(0);
    expect(rotated.resealed['client secrets']).toBe(1);
    expect(rotated.resealed['webhook secrets']).toBe(1);
    expect(rotated.previousAcceptedUntil.getTime()).toBe(clock.now() + 7 * DAY);
    const sealed = await knex('webhook_endpoints').where({ id: webhook.body.data!.id }).first();
    expect(decryptString(deriveKey(Buffer.from(NEW), 'webhook-secret-encryption'), sealed.secret, `webhook-endpoint:${sealed.id}`)).toBe(webhookSecret);

    // Step 3: processes restarted after the rotation make everything new with the new secret.
    ({ url } = await boot({ SECRET: NEW, SECRET_PREVIOUS: OLD }));
    expect(await works()).toEqual(allWork);
    expect(await webhookSecretNow()).toBe(webhookSecret);
    // The key used since was rehashed with the new secret's hash key.
    const hashOf = (authorization: string, root: string) => createHmac('sha256', deriveKey(Buffer.from(root), 'api-key-hash'))
      .update(Buffer.from(authorization.slice(6), 'base64').toString().replace(/:$/, ''), 'utf8').digest('base64url');
    await expect.poll(async () => (await knex('api_keys').where({ secret_hash: hashOf(usedKey, NEW) }).first())?.secret_hash).toBeDefined();
    expect((await rotateRootSecret(knex, loadSecrets({ secret: NEW, previous: OLD, dataDir: '/nonexistent' }), { now: clock.now, graceMs: DAY })).first).toBe(false);
    await expect(settleInstallationSecret(knex, loadSecrets({ secret: OLD, dataDir: '/nonexistent' }), { now: clock.now, generated: false }))
      .rejects.toThrow(/^SECRET is this installation's previous root secret, replaced on \d{4}-\d\d-\d\d: set SECRET to the new secret \(and SECRET_PREVIOUS to this one, accepted until /);

    // After the grace period: a key never presented since is refused; the old secret starts nothing.
    clock.advance(8 * DAY);
    expect((await call(url, 'GET', '/v2/users/me', { headers: { authorization: idleKey } })).status).toBe(401);
    expect((await call(url, 'GET', '/v2/users/me', { headers: { authorization: usedKey } })).status).toBe(200);
    await expect(settleInstallationSecret(knex, loadSecrets({ secret: OLD, dataDir: '/nonexistent' }), { now: clock.now, generated: false }))
      .rejects.toThrow(/^SECRET is this installation's previous root secret, replaced on \d{4}-\d\d-\d\d: set SECRET to the new secret\.$/);
    ({ url } = await boot({ SECRET: NEW }));
    expect((await call(url, 'GET', '/v2/users/me', { headers: { authorization: usedKey } })).status).toBe(200);
    expect((await call(url, 'GET', '/v2/users/me', { headers: { authorization: idleKey } })).status).toBe(401);
  });
});
