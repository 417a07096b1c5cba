/**
 * `npm run bench:webhooks` (issue 11 "Benchmark"): the webhook worker on Postgres, delivering to a
 * loopback receiver that answers 204 at once and checks every signature.
 *
 * 1. Throughput: BENCH_WEBHOOK_EVENTS (3000) events written to the outbox up front (no
 *    conversation, so no ordering holds any back), then one worker started: deliveries per second
 *    from its start until the receiver has them all (fan-out included).
 * 2. Latency: BENCH_WEBHOOK_WRITES (300) `POST /v2/conversations` through the resource API, one
 *    at a time, each timed from the request to the receiver getting its `chat.started` (API,
 *    commit, bus wake-up, fan-out, claim, signing, HTTP): p50 / p99.
 *
 * Both in one process on an in-process bus, like `--role all` on Postgres. Needs
 * BENCH_DATABASE_URL or TEST_DATABASE_URL (a scratch database is created and dropped). Bounded:
 * each part gives up after BENCH_WEBHOOK_TIMEOUT_S (120) seconds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { createApiComponent } from '../src/api/app.js';
import { createRuntime } from '../src/cli/runtime.js';
import { bodySha256, IDENTITY_HEADER, signIdentity } from '../src/contract/identity.js';
import { insertMembership, insertOrganization, insertUser } from '../src/db/accounts.js';
import { migrateLatest } from '../src/db/migrate.js';
import { recordChange } from '../src/domain/record-change.js';
import { generateWebhookSecret, sealWebhookSecret } from '../src/domain/webhook-secrets.js';
import { loadConfig } from '../src/shared/config/index.js';
import { createLogger } from '../src/shared/logger.js';
import { listen } from '../src/shared/server.js';
import { startWebhookWorker } from '../src/webhooks/worker.js';

const events = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 3_000);
const writes = Number(process.env.BENCH_WEBHOOK_WRITES ?? 300);
const timeoutMs = Number(process.env.BENCH_WEBHOOK_TIMEOUT_S ?? 120) * 1_000;
const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!base) throw new Error('BENCH_DATABASE_URL or TEST_DATABASE_URL must name a Postgres server (scripts/test-backends.sh start)');

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A loopback receiver verifying each delivery, noting when each conversation's chat.started arrived. */
async function startReceiver(secret: string) {
  const verifier = new Webhook(secret);
  let count = 0;
  let bad = 0;
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  let countWaiter: { target: number; resolve: () => void } | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let envelope: { type: string; data: { token?: string } } | undefined;
      try {
        envelope = verifier.verify(body, req.headers as Record<string, string>) as typeof envelope;
      } catch {
        bad += 1;
      }
      res.writeHead(204).end();
      count += 1;
      const token = envelope?.type === 'chat.started' ? envelope.data.token : undefined;
      if (token) {
        arrivals.set(token, performance.now());
        waiters.get(token)?.(performance.now());
      }
      if (countWaiter && count >= countWaiter.target) countWaiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get bad() { return bad; },
    reach: (target: number) => new Promise<void>((resolve) => (countWaiter = { target, resolve })),
    /** When the chat.started of this conversation arrived (now or later). */
    arrival: (token: string) => new Promise<number>((resolve) => {
      const at = arrivals.get(token);
      if (at !== undefined) resolve(at);
      else waiters.set(token, resolve);
    }),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  const late = new Promise<T>((_, reject) => {
    setTimeout(() => reject(new Error(`${what}: no result within ${timeoutMs} ms`)), timeoutMs).unref();
  });
  return Promise.race([promise, late]);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const name = `gatehouse_bench_webhooks_${Date.now()}`;
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(base!);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-webhooks-'));
  const secret = generateWebhookSecret();
  const receiver = await startReceiver(secret);
  const config = loadConfig({
    env: {}, configDir: path.join(os.tmpdir(), 'gatehouse-no-config-dir'),
    overrides: {
      NODE_ENV: 'production', LOG_LEVEL: 'warn', SECRET: 'bench-secret-that-is-long-enough-0123456789', DATA_DIR: dataDir,
      DATABASE_URL: url.toString(), WEBHOOK_ALLOWED_HOSTS: [`127.0.0.1:${receiver.port}`],
    },
  });
  const runtime = await createRuntime(config, createLogger({ level: 'warn' }));
  const knex = runtime.db.knex;
  try {
    await migrateLatest(knex);
    const organization = await insertOrganization(knex, { name: 'Bench' });
    const agent = await insertUser(knex, { email: 'agent@bench.example', name: 'Agent', passwordHash: null, isBot: false });
    await insertMembership(knex, { userId: agent.id, organizationId: organization.id, role: 'agent' });
    const endpointId = randomUUID();
    await knex('webhook_endpoints').insert({
      id: endpointId, organization_id: organization.id, url: `http://127.0.0.1:${receiver.port}/hook`, events: JSON.stringify(['*']),
      secret: sealWebhookSecret(runtime.secrets, endpointId, secret), max_concurrency: 16,
    });

    // 1. Throughput.
    const actor = { identity: { sub: agent.id, org: organization.id, kind: 'user' as const }, requestId: 'bench' };
    for (let written = 0; written < events; written += 500) {
      await knex.transaction(async (trx) => {
        for (let i = written; i < Math.min(events, written + 500); i++) {
          await recordChange(trx, actor, { action: 'bench.emit', resourceType: 'ticket', resourceId: String(i), events: [{ type: 'ticket.created', data: { id: String(i) } }] });
        }
      });
    }
    const all = receiver.reach(events);
    const started = performance.now();
    const worker = startWebhookWorker({
      knex, bus: runtime.bus, clock: runtime.clock, logger: runtime.logger, secrets: runtime.secrets, metrics: runtime.metrics, config,
    });
    await within(all, 'throughput');
    const seconds = (performance.now() - started) / 1_000;
    console.log(`throughput: ${events} deliveries in ${seconds.toFixed(2)} s = ${Math.round(events / seconds)} deliveries/s (endpoint max_concurrency 16, worker concurrency ${config.WEBHOOK_WORKER_CONCURRENCY})`);

    // 2. Latency, API write to receipt.
    const api = createApiComponent(runtime);
    const server = await listen(api.listener!, { host: '127.0.0.1', port: 0 });
    const key = runtime.secrets.derive('identity-assertion');
    const identity = { sub: agent.id, org: organization.id, role: 'agent' as const, scopes: ['agent'], kind: 'user' as const };
    const latencies: number[] = [];
    for (let i = 0; i < writes; i++) {
      const body = '{}';
      const assertion = await signIdentity(identity, key, { method: 'POST', path: '/v2/conversations', query: '', bodySha256: bodySha256(body) });
      const sent = performance.now();
      const res = await fetch(`${server.url}/v2/conversations`, { method: 'POST', body, headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: assertion } });
      const { data } = (await res.json()) as { data: { token: string } };
      latencies.push((await within(receiver.arrival(data.token), 'latency')) - sent);
    }
    latencies.sort((x, y) => x - y);
    console.log(`latency, API write to receipt (${writes} writes, one at a time): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    console.log(`signatures that failed to verify: ${receiver.bad}`);

    await worker.stop();
    api.drain?.();
    await server.close(1_000);
    await api.stop();
  } finally {
    await runtime.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
    await admin((client) => client.query(`drop database if exists ${name} with (force)`));
  }
}

await main();
