/**
 * `npm run bench:revocation`: how long a revocation made at one Gatehouse takes to be enforced by
 * another gateway process. Two processes on one Postgres and one Redis: A (`--role all`) takes
 * the revocations, B (`--role gateway`, forwarding to A's auth server and API) is polled with the
 * revoked credential, one request after the other, until it refuses it (401). Four kinds
 * (bench/revocation-kinds.ts): an API key deleted, a refresh token reused (its sign-in revoked:
 * the access token of that sign-in is what B is polled with), a member disabled, an access token
 * revoked with RFC 7009. Under load: other connections keep B busy with valid requests.
 *
 * Two times per revocation, both from A's answer to the revocation (committed and announced):
 * - refused: until B's first 401 to the revoked credential. The polling is one request after the
 *   other, so this is bounded below by one request's latency at B;
 * - learned: from the announcement on Redis (as an idle subscriber of its own saw it) until B's
 *   revocation list applied it (B runs with LOG_LEVEL=debug and logs `revocation applied` with
 *   its time; same clock): the propagation itself. A announces before it answers, so B usually
 *   knows before A's answer is read; that lead is given too.
 * Several revocations of a kind are in flight at once (BENCH_REVOCATION_CONCURRENCY, each on its
 * own credential, each timed from its own answer to its own refusal) so 1,000 per kind run in
 * minutes; the member kind runs four times as many, since a member's next token has to wait for
 * the next whole second after its last cut-off.
 *
 * Environment: BENCH_DATABASE_URL or TEST_DATABASE_URL (required: a Postgres server; a scratch
 * database is created and dropped), BENCH_REDIS_URL (default: a throwaway redis-server),
 * BENCH_REVOCATIONS (1,000 per kind), BENCH_REVOCATION_CONCURRENCY (4), BENCH_LOAD_CONNECTIONS
 * (8 valid requests in flight at B), BENCH_ONLY (words of the kinds to run).
 * Runs the tsc build (dist/), building it first unless BENCH_NO_BUILD.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createDatabase } from '../src/db/knex.js';
import { freePort } from '../test/helpers/net.js';
import { revocationKinds, type Kind, type Target } from './revocation-kinds.js';
import { runBench, scratchDatabase, startRedis, stop, waitForHttp } from './support.js';

const perKind = Number(process.env.BENCH_REVOCATIONS ?? 1000);
const concurrency = Number(process.env.BENCH_REVOCATION_CONCURRENCY ?? 4);
const loadConnections = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 8);
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim().toLowerCase());
const work = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-revocation-bench-'));
const children: ChildProcess[] = [];
const ADMIN = { email: 'admin@example.test', password: 'an admin password long enough 42' };
/** Wall-clock ms with sub-ms precision: B's log times are wall-clock too. */
const now = () => performance.timeOrigin + performance.now();

function gatehouse(role: 'all' | 'gateway', env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['bin/gatehouse.js', 'start', '--role', role], { env: { ...process.env, ...env }, stdio: ['ignore', role === 'gateway' ? 'pipe' : 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function json(url: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...(init.body ? { 'content-type': typeof init.body === 'string' && init.body.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded' } : {}), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.headers as Record<string, string>) };
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const summary = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return `${quantile(sorted, 0.5).toFixed(1)} | ${quantile(sorted, 0.99).toFixed(1)} | ${sorted.at(-1)!.toFixed(1)}`;
};

/** When B applied each revocation: its debug log line `revocation applied` (gateway/app.ts). */
function learnedTimes(child: ChildProcess): Map<string, number> {
  const learned = new Map<string, number>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.includes('revocation applied')) return;
    const entry = JSON.parse(line) as { time: string; revocation: { kind: string; subject: string } };
    learned.set(`${entry.revocation.kind} ${entry.revocation.subject}`, Date.parse(entry.time));
  });
  return learned;
}

/**
 * When each announcement reached a subscriber that does nothing else: a process of its own on
 * the same Redis channel, so its clock reading is not delayed by a busy event loop.
 */
async function announcedTimes(redisUrl: string, channel: string): Promise<Map<string, number>> {
  const script = `const Redis = require('ioredis'); const r = new Redis(process.argv[1]);
r.on('message', (_c, raw) => { const m = JSON.parse(raw); console.log(JSON.stringify({ key: m.kind + ' ' + m.subject, at: performance.timeOrigin + performance.now() })); });
r.subscribe(process.argv[2]).then(() => console.log('{}'));`;
  const child = spawn(process.execPath, ['-e', script, redisUrl, channel], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const announced = new Map<string, number>();
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { key?: string; at?: number };
      if (entry.key === undefined) resolve();
      else announced.set(entry.key, entry.at!);
    });
  });
  return announced;
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase('revocation');
  if (!scratch.url) throw new Error('BENCH_DATABASE_URL or TEST_DATABASE_URL must name a Postgres server');
  const redis = await startRedis(work);
  const [portA, authPort, apiPort, portB] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const a = `http://127.0.0.1:${portA}`;
  const b = `http://127.0.0.1:${portB}`;
  const common = {
    NODE_ENV: 'production', HOST: '127.0.0.1', INTERNAL_HOST: '127.0.0.1', PUBLIC_URL: a, SECRET: 'bench-secret-that-is-long-enough-0123456789',
    DATA_DIR: path.join(work, 'data'), DATABASE_URL: scratch.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `revocation-bench-${process.pid}:`, LOG_LEVEL: 'warn',
    GATEWAY_ACCESS_LOG: 'false', RATE_LIMIT_ADMIN: '1000000000', RATE_LIMIT_BOT: '1000000000', RATE_LIMIT_AGENT: '1000000000', RATE_LIMIT_ORGANIZATION: '1000000000',
    RATE_LIMIT_TOKEN_ENDPOINT: '1000000000', RATE_LIMIT_ANONYMOUS: '1000000000', TOKEN_API_MAX_FAILURES_PER_EMAIL_IP: '1000000000',
    ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password,
  };
  if (!process.env.BENCH_NO_BUILD) execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  gatehouse('all', { ...common, PORT: String(portA), AUTH_PORT: String(authPort), API_PORT: String(apiPort) });
  await waitForHttp(`${a}/health`, 120_000);
  const gatewayB = gatehouse('gateway', { ...common, LOG_LEVEL: 'debug', PORT: String(portB), AUTH_UPSTREAM_URL: `http://127.0.0.1:${authPort}`, API_UPSTREAM_URL: `http://127.0.0.1:${apiPort}` });
  const learned = learnedTimes(gatewayB);
  const announced = await announcedTimes(redis.url, `${common.REDIS_KEY_PREFIX}revocations`);
  await waitForHttp(`${b}/health`, 120_000);

  const signedIn = (await json(`${a}/v2/auth/token`, { method: 'POST', body: JSON.stringify(ADMIN) })).body as { token: string };
  const organizationId = (JSON.parse(Buffer.from(signedIn.token.split('.')[1]!, 'base64url').toString('utf8')) as { org: string }).org;
  const service = (await json(`${a}/v2/clients`, { method: 'POST', token: signedIn.token, body: JSON.stringify({ name: 'revocation bench', type: 'service', max_role: 'bot' }) })).body.data as { id: string; client_secret: string };
  const db = createDatabase({ url: scratch.url });
  const kinds = await revocationKinds({
    a, call: json, knex: db.knex,
    admin: { ...ADMIN, token: signedIn.token, organizationId },
    serviceBasic: `Basic ${Buffer.from(`${service.id}:${service.client_secret}`).toString('base64')}`,
  }, concurrency);

  // Valid traffic at B while it is polled: the admin's own token on `loadConnections` wrk
  // connections (a process of its own: load made here would slow this process's polling).
  const wrk = spawn('wrk', ['-t1', `-c${loadConnections}`, '-d3600s', '-H', `Authorization: Bearer ${signedIn.token}`, `${b}/v2/organization-groups`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(wrk);
  let wrkOutput = '';
  wrk.stdout.on('data', (chunk: Buffer) => (wrkOutput += chunk.toString()));

  const rows: string[] = [];
  for (const kind of kinds.filter((k) => !only || only.some((word) => k.name.toLowerCase().includes(word)))) {
    const started = now();
    const result = await measureKind(kind, b, { learned, announced });
    rows.push(`| ${kind.name} | ${result.refused.length} | ${kind.concurrency} | ${summary(result.refused)} | ${summary(result.learned)} | ${summary(result.answered)} | ${(result.polls / result.refused.length).toFixed(2)} | ${((now() - started) / 1000).toFixed(0)} |`);
    console.error(`  ${rows.at(-1)}`);
  }
  wrk.kill('SIGINT');
  await new Promise((resolve) => wrk.once('exit', resolve));
  const loadRequests = /(\d+) requests in/.exec(wrkOutput)?.[1] ?? '?';
  const loadErrors = /Non-2xx or 3xx responses: (\d+)/.exec(wrkOutput)?.[1] ?? '0';
  await db.close();
  for (const child of children) await stop(child);
  redis.stop();
  await scratch.drop();
  console.log('| revocation at A | revocations | in flight | answer → refused at B: p50 ms | p99 | max | announced → learned by B: p50 ms | p99 | max | announced → A\'s answer read: p50 ms | p99 | max | requests at B until refused | seconds |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
  console.log(`\n${new Date().toISOString()}, ${os.cpus().length} CPUs, node ${process.version}, ${loadConnections} valid requests in flight at B (wrk: ${loadRequests} in all, ${loadErrors} not 2xx), load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
}

/** `perKind` revocations of one kind, `kind.concurrency` at a time. */
async function measureKind(kind: Kind, b: string, seen: { learned: Map<string, number>; announced: Map<string, number> }) {
  const refused: number[] = [];
  const learnedAfter: number[] = [];
  const answeredAfter: number[] = [];
  let polls = 0;
  let started = 0;
  const probe = (target: Target) => fetch(`${b}${target.path}`, { headers: { authorization: target.header } }).then(async (r) => (await r.arrayBuffer(), r.status));
  const when = async (times: Map<string, number>, key: string, what: string) => {
    // The log line or the announcement may reach us a moment after B's refusal.
    for (let waited = 0; !times.has(key); waited += 5) {
      if (waited > 5_000) throw new Error(`${kind.name}: B refused ${key} but it was never ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return times.get(key)!;
  };
  async function worker(index: number): Promise<void> {
    while (started < perKind) {
      started++;
      const target = await kind.target(index);
      const before = await probe(target);
      if (before !== 200) throw new Error(`${kind.name}: B answered ${before} before the revocation`);
      const key = `${target.entry.kind} ${target.entry.subject}`;
      // A member disabled again is the same entry: only the times of this revocation count.
      seen.learned.delete(key);
      seen.announced.delete(key);
      await target.revoke();
      const revokedAt = now();
      for (;;) {
        polls++;
        if ((await probe(target)) === 401) break;
        if (now() - revokedAt > 10_000) throw new Error(`${kind.name}: still accepted at B 10 s after the revocation`);
      }
      refused.push(now() - revokedAt);
      const announcedAt = await when(seen.announced, key, 'announced');
      learnedAfter.push((await when(seen.learned, key, 'logged by B')) - announcedAt);
      answeredAfter.push(revokedAt - announcedAt);
    }
  }
  await Promise.all(Array.from({ length: kind.concurrency }, (_, i) => worker(i)));
  return { refused, learned: learnedAfter, answered: answeredAfter, polls };
}

runBench(main, async () => {
  for (const child of children) await stop(child);
  rmSync(work, { recursive: true, force: true });
});
