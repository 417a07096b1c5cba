/**
 * The chat benchmark (issue 10), part of `npm run bench` (or alone: `node --import tsx bench/chat.ts`).
 * One Gatehouse (`start --role all`, the tsc build, as `npm start` runs it) on Postgres and Redis
 * when BENCH_DATABASE_URL / TEST_DATABASE_URL is set (a scratch database; else embedded PGlite),
 * every request through the gateway on loopback, from this process:
 *
 * 1. messages posted per second: BENCH_CHAT_SENDERS visitors (32), each with its own visitor
 *    session token and conversation, post text messages back to back for BENCH_CHAT_SECONDS (5);
 * 2. send-to-delivery latency over Server-Sent Events with BENCH_CHAT_STREAMS streams open (1000):
 *    a) each visitor follows its own conversation (`/v2/conversations/{token}/events`) and
 *       BENCH_CHAT_MESSAGES (200) messages go to random conversations, BENCH_CHAT_RATE (20) a second;
 *    b) agents follow the organization (`/v2/events`, every stream gets every message) and
 *       BENCH_CHAT_FANOUT_MESSAGES (20) messages go out, BENCH_CHAT_FANOUT_RATE (5) a second.
 * Latency is from just before the POST to the event's arrival on the stream; an event not there
 * 10 s after the last send counts as lost. Prints a markdown table.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, fetch as undiciFetch, type Response } from 'undici';
import { insertMembership, insertOrganization, insertUser } from '../src/db/accounts.js';
import { issueApiKey } from '../src/db/api-keys.js';
import { createDatabase } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrate.js';
import { loadSecrets } from '../src/shared/secrets.js';
import { freePort } from '../test/helpers/net.js';
import { scratchDatabase, startRedis, stop, waitForHttp } from './support.js';

const seconds = Number(process.env.BENCH_CHAT_SECONDS ?? 5);
const senders = Number(process.env.BENCH_CHAT_SENDERS ?? 32);
const streams = Number(process.env.BENCH_CHAT_STREAMS ?? 1000);
const messages = Number(process.env.BENCH_CHAT_MESSAGES ?? 200);
const fanoutMessages = Number(process.env.BENCH_CHAT_FANOUT_MESSAGES ?? 20);
/** Messages per second of the latency runs: below what the posting run sustains, or it measures a queue. */
const rate = Number(process.env.BENCH_CHAT_RATE ?? 20);
const fanoutRate = Number(process.env.BENCH_CHAT_FANOUT_RATE ?? 5);
const secret = 'bench-secret-that-is-long-enough-0123456789';
const SITE = 'https://shop.bench.example';
const LOST_AFTER_MS = 10_000;
const work = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chat-bench-'));
// One connection per open stream, and more for the posts: no per-origin cap.
const dispatcher = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 30_000, bodyTimeout: 0, headersTimeout: 30_000 });

interface Visitor { auth: string; conversation: string }

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function call(base: string, method: string, url: string, auth: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
  const res = await undiciFetch(base + url, {
    method, dispatcher,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as { ok: boolean; data?: Record<string, unknown>; error?: string };
  return { status: res.status, json };
}

/** `count` at a time, until `total` are done. */
async function inBatches<T>(total: number, count: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < total; i += count) out.push(...(await Promise.all(Array.from({ length: Math.min(count, total - i) }, (_, j) => make(i + j)))));
  return out;
}

/** Reads a stream's `data:` lines and hands each parsed envelope to `onEvent`, until closed. */
async function follow(base: string, url: string, auth: string, onEvent: (envelope: { type: string; data: Record<string, unknown> }) => void, closed: AbortSignal): Promise<Response> {
  const res = await undiciFetch(base + url, { dispatcher, headers: { authorization: auth, accept: 'text/event-stream' }, signal: closed });
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
          if (data) onEvent(JSON.parse(data) as { type: string; data: Record<string, unknown> });
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
  return res;
}

async function throughput(base: string, visitors: Visitor[]) {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(visitors.map(async (visitor, v) => {
    for (let n = 0; performance.now() < until; n++) {
      const t0 = performance.now();
      const res = await call(base, 'POST', `/v2/conversations/${visitor.conversation}/messages`, visitor.auth, { content: { type: 'text', text: `load ${v}-${n}` } });
      if (res.status === 201) latencies.push(performance.now() - t0);
      else errors++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  return { rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, count: latencies.length };
}

/** Posts `count` marked messages, one every `gapMs`, and waits for `expected(marker)` deliveries of each. */
async function latency(base: string, count: number, gapMs: number, pick: (n: number) => Visitor, deliveriesPer: number, sent: Map<string, number>, got: number[]) {
  let errors = 0;
  for (let n = 0; n < count; n++) {
    const visitor = pick(n);
    const marker = `mark-${n}`;
    sent.set(marker, performance.now());
    void call(base, 'POST', `/v2/conversations/${visitor.conversation}/messages`, visitor.auth, { content: { type: 'text', text: marker } })
      .then((res) => { if (res.status !== 201) errors++; }, () => errors++);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  const deadline = performance.now() + LOST_AFTER_MS;
  while (got.length < count * deliveriesPer && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return { p50: percentile(got, 50), p99: percentile(got, 99), max: Math.max(...got), delivered: got.length, expected: count * deliveriesPer, errors };
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(process.cwd(), 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const redis = await startRedis(work);
  const scratch = await scratchDatabase('chat_bench');
  const dataDir = path.join(work, 'data');
  const db = scratch.url ? createDatabase({ url: scratch.url }) : createDatabase({ dataDir });
  await migrateLatest(db.knex);
  const org = await insertOrganization(db.knex, { name: 'Chat bench' });
  const clientToken = `wgt_${'B'.repeat(20)}${String(process.pid % 10_000).padStart(4, '0')}`;
  await db.knex('widgets').insert({ organization_id: org.id, client_token: clientToken, name: 'Bench', allowed_origins: JSON.stringify([SITE]), config: JSON.stringify({}) });
  const user = await insertUser(db.knex, { email: 'agent@bench.example', passwordHash: null });
  await insertMembership(db.knex, { userId: user.id, organizationId: org.id, role: 'agent' });
  const { key } = await issueApiKey(
    db.knex,
    { organizationId: org.id, userId: user.id, creatorRole: 'agent', name: 'bench', scopes: ['agent'], expiresAt: undefined },
    { hashSecret: loadSecrets({ secret, dataDir }).derive('api-key-hash'), maxLifetimeDays: 30, now: Date.now() },
  );
  await db.close(); // PGlite serves one process: Gatehouse opens it next
  const agent = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const high = '1000000000';
  const child = spawn(process.execPath, ['bin/gatehouse.js', 'start', '--role', 'all'], {
    env: {
      ...process.env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: base, SECRET: secret, DATA_DIR: dataDir, LOG_LEVEL: 'warn',
      DATABASE_URL: scratch.url ?? '', REDIS_URL: redis.url, REDIS_KEY_PREFIX: `chat-bench-${process.pid}:`, GATEWAY_ACCESS_LOG: 'false',
      RATE_LIMIT_GUEST: high, RATE_LIMIT_AGENT: high, RATE_LIMIT_ORGANIZATION: high, RATE_LIMIT_VISITOR_SESSIONS_IP: high, RATE_LIMIT_VISITOR_SESSIONS_WIDGET: high,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForHttp(`${base}/health`);
    const setup = performance.now();
    const visitors = await inBatches(Math.max(senders, streams), 16, async () => {
      const session = await call(base, 'POST', `/v2/widgets/${clientToken}/sessions`, undefined, {}, { origin: SITE });
      const auth = `Bearer ${String(session.json.data!.access_token)}`;
      const started = await call(base, 'POST', '/v2/conversations', auth, {});
      if (started.status !== 201) throw new Error(`conversation: ${started.status} ${JSON.stringify(started.json)}`);
      return { auth, conversation: String(started.json.data!.token) };
    });
    console.error(`chat bench: ${visitors.length} visitor sessions and conversations in ${((performance.now() - setup) / 1000).toFixed(1)} s`);

    const posted = await throughput(base, visitors.slice(0, senders));
    console.error(`  posting: ${posted.rate.toFixed(0)} messages/s, p50 ${posted.p50.toFixed(1)} ms, p99 ${posted.p99.toFixed(1)} ms, errors ${posted.errors}`);

    const rows: string[] = [];
    for (const scenario of ['conversation', 'organization'] as const) {
      const closed = new AbortController();
      const sent = new Map<string, number>();
      const got: number[] = [];
      const onEvent = (envelope: { type: string; data: Record<string, unknown> }) => {
        const at = envelope.type === 'message.created' ? sent.get(String(envelope.data.text)) : undefined;
        if (at !== undefined) got.push(performance.now() - at);
      };
      const opening = performance.now();
      await inBatches(streams, 50, (i) => follow(base, scenario === 'conversation' ? `/v2/conversations/${visitors[i]!.conversation}/events` : '/v2/events',
        scenario === 'conversation' ? visitors[i]!.auth : agent, onEvent, closed.signal));
      const openS = (performance.now() - opening) / 1000;
      const result = scenario === 'conversation'
        ? await latency(base, messages, 1000 / rate, (n) => visitors[(n * 7919) % streams]!, 1, sent, got)
        : await latency(base, fanoutMessages, 1000 / fanoutRate, (n) => visitors[n % streams]!, streams, sent, got);
      closed.abort();
      const label = scenario === 'conversation'
        ? `${streams} visitors follow their own conversation; ${messages} messages, ${rate}/s`
        : `${streams} agent streams of /v2/events; ${fanoutMessages} messages, ${fanoutRate}/s, each to every stream`;
      console.error(`  ${label}: opened in ${openS.toFixed(1)} s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, delivered ${result.delivered}/${result.expected}`);
      rows.push(`| ${label} | ${openS.toFixed(1)} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${result.max.toFixed(1)} | ${result.delivered} / ${result.expected} | ${result.errors} |`);
    }

    console.log(`| posting (${senders} visitors, back to back, ${seconds} s) | messages/s | p50 ms | p99 ms | errors |`);
    console.log('|---|---:|---:|---:|---:|');
    console.log(`| ${scratch.url ? 'Postgres + Redis' : 'PGlite'} | ${posted.rate.toFixed(0)} | ${posted.p50.toFixed(1)} | ${posted.p99.toFixed(1)} | ${posted.errors} |`);
    console.log('\n| live delivery | streams opened in s | p50 ms | p99 ms | max ms | delivered | post errors |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
    console.log(`\n${new Date().toISOString()}, ${os.cpus().length} CPUs, node ${process.version}, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  } finally {
    await stop(child);
    redis.stop();
    await scratch.drop();
    await dispatcher.close().catch(() => undefined);
  }
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
