import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/backend.js';
import { spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { readSse } from '../helpers/sse.js';
import { call } from '../gateway/visitor-fixtures.js';
import { startReceiver, type Receiver } from '../webhooks/helpers.js';

// One installation as separate processes on real Postgres and Redis, as deploy/kubernetes runs
// it: two gateways, auth, api and worker. What one gateway issues, the other accepts; what one
// revokes, the other refuses; a limit is counted across both; a webhook is delivered by the
// worker and a live event written through one gateway reaches a stream held on the other.

const SECRET = 'multi-process-secret-that-is-long-enough-0123456789';

describe('gateway ×2, auth, api and worker as separate processes', () => {
  let db: TestDatabase;
  let receiver: Receiver;
  const children: Array<{ name: string; child: ChildProcess; output: () => string }> = [];
  const ports = { g1: 0, g2: 0, auth: 0, api: 0, worker: 0 };
  let g1: string;
  let g2: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startReceiver();
    for (const key of Object.keys(ports) as Array<keyof typeof ports>) ports[key] = await freePort();
    g1 = `http://127.0.0.1:${ports.g1}`;
    g2 = `http://127.0.0.1:${ports.g2}`;
    const env = {
      NODE_ENV: 'test', SECRET, DATABASE_URL: db.url!, REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: `multi-${randomBytes(4).toString('hex')}:`,
      PUBLIC_URL: g1, AUTH_UPSTREAM_URL: `http://127.0.0.1:${ports.auth}`, API_UPSTREAM_URL: `http://127.0.0.1:${ports.api}`,
      AUTH_PORT: String(ports.auth), API_PORT: String(ports.api), WORKER_PORT: String(ports.worker),
      ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'admin-password-1', GATEWAY_ACCESS_LOG: 'false',
      RATE_LIMIT_AGENT: '6', GATEWAY_PROCESS_COUNT: '2', WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`, WEBHOOK_POLL_INTERVAL_MS: '250',
    };
    const run = (name: string, role: string, extra: Record<string, string> = {}) => {
      const child = spawnCli(['start', '--role', role], { ...env, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), `gatehouse-${name}-`)), ...extra });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      children.push({ name, child, output: () => output });
    };
    // Auth first: it creates the admin and the signing keys the gateways fetch.
    run('auth', 'auth');
    await ready(`http://127.0.0.1:${ports.auth}`, 'auth');
    run('api', 'api');
    run('worker', 'worker');
    run('gateway-1', 'gateway', { PORT: String(ports.g1) });
    run('gateway-2', 'gateway', { PORT: String(ports.g2) });
    await Promise.all([
      ready(`http://127.0.0.1:${ports.api}`, 'api'), ready(`http://127.0.0.1:${ports.worker}`, 'worker'), ready(g1, 'gateway-1'), ready(g2, 'gateway-2'),
    ]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(children.map(({ child }) => (child.exitCode === null ? new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }) : undefined)));
    await receiver?.close();
    await db?.close();
  }, 60_000);

  async function ready(url: string, name: string): Promise<void> {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const answer = await fetch(`${url}/ready`).then(async (r) => ({ status: r.status, body: await r.text() }), () => undefined);
      if (answer?.status === 200) return;
      const exited = children.find((c) => c.name === name && c.child.exitCode !== null);
      if (exited || Date.now() > deadline) throw new Error(`${name} is not ready (${answer?.body ?? 'no answer'}):\n${children.map((c) => `--- ${c.name}\n${c.output()}`).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('accepts on one gateway what the other issued, and refuses there what it revoked', async () => {
    const signedIn = await call(g1, 'POST', '/v2/auth/token', { body: { email: 'admin@example.test', password: 'admin-password-1' } });
    expect(signedIn.status).toBe(200);
    const admin = `Bearer ${signedIn.body.token as string}`;
    expect((await call(g2, 'GET', '/v2/users/me', { headers: { authorization: admin } })).status).toBe(200);

    const created = await call(g2, 'POST', '/v2/api-keys', { headers: { authorization: admin }, body: { name: 'multi-process', scopes: ['admin'] } });
    expect(created.status).toBe(201);
    const key = `Basic ${Buffer.from(`${created.body.data!.key as string}:`).toString('base64')}`;
    expect((await call(g1, 'GET', '/v2/users/me', { headers: { authorization: key } })).status).toBe(200);
    expect((await call(g1, 'DELETE', `/v2/api-keys/${created.body.data!.id as string}`, { headers: { authorization: admin } })).status).toBe(200);
    await expect.poll(async () => (await call(g2, 'GET', '/v2/users/me', { headers: { authorization: key } })).status, { timeout: 5_000, interval: 50 }).toBe(401);

    // One limit across both gateways: 6 for an agent key, however the requests are spread.
    const agent = await call(g1, 'POST', '/v2/api-keys', { headers: { authorization: admin }, body: { name: 'limited', scopes: ['agent'] } });
    const limited = `Basic ${Buffer.from(`${agent.body.data!.key as string}:`).toString('base64')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(i % 2 ? g2 : g1, 'GET', '/v2/users/me', { headers: { authorization: limited } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });

  it('delivers a webhook from the worker and streams a live event to the other gateway', async () => {
    const signedIn = await call(g2, 'POST', '/v2/auth/token', { body: { email: 'admin@example.test', password: 'admin-password-1' } });
    const admin = `Bearer ${signedIn.body.token as string}`;
    const hook = await call(g1, 'POST', '/v2/webhooks', { headers: { authorization: admin }, body: { url: `${receiver.url}/hook`, events: ['chat.started'] } });
    expect(hook.status).toBe(201);
    const abort = new AbortController();
    const stream = await fetch(`${g2}/v2/events`, { headers: { authorization: admin, accept: 'text/event-stream' }, signal: abort.signal });
    expect(stream.status).toBe(200);
    const events = readSse(stream, abort);
    try {
      const conversation = await call(g1, 'POST', '/v2/conversations', { headers: { authorization: admin }, body: { subject: 'Across processes' } });
      expect(conversation.status).toBe(201);
      const typeOf = (data: string) => { try { return (JSON.parse(data) as { type?: string }).type; } catch { return undefined; } };
      let live = await events.next(10_000);
      while (typeOf(live.data) !== 'chat.started') live = await events.next(10_000);
      const [delivered] = await receiver.waitFor(1);
      expect(delivered!.path).toBe('/hook');
      expect(delivered!.envelope.type).toBe('chat.started');
    } finally {
      events.close();
    }
  }, 60_000);
});
