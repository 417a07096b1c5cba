/**
 * `npm run bench:faults`: faults under a steady load. Gatehouse runs as four processes (auth,
 * api, worker, gateway) on a private Postgres 15 and Redis (bench/fault-stack.ts); a load of JWT
 * reads, API-key reads and writes (POST /v2/conversations, each a `chat.started` webhook) is held
 * through the gateway while, one after the other: Redis is stopped and started, Postgres is
 * stopped and started, the resource API is killed and restarted, slowed past the gateway's
 * response timeout, and reset inside its headers and inside its body, the auth server is stopped,
 * and the webhook worker is killed in the middle of deliveries. For each: the errors by kind,
 * status and code during the fault and until recovery, what was lost, the recovery time from the
 * restart to the first success and to steady state (the end of the last error), the gateway's
 * open descriptors and the fault proxy's sockets afterwards.
 *
 * Environment: BENCH_FAULT_RATE (20 requests/s: the machine is shared), BENCH_FAULT_S (8 s of each fault),
 * BENCH_FAULT_ONLY (comma-separated fault names). Bounded: every wait gives up after 60 s.
 */
import os from 'node:os';
import { openFds, startStack, type Stack } from './fault-stack.js';
import { isError, recovery, sleep, startLoad, tally, type LoadResult } from './load.js';

const rate = Number(process.env.BENCH_FAULT_RATE ?? 20);
const faultMs = Number(process.env.BENCH_FAULT_S ?? 8) * 1_000;
const only = process.env.BENCH_FAULT_ONLY?.split(',').map((s) => s.trim());

interface Fault {
  name: string;
  /** Breaks something; returns what restores it. Notes go into the report. */
  inject(stack: Stack, notes: string[]): Promise<() => Promise<void>>;
  /** Checks after the restore (lost events, revocations), with notes. */
  verify?(stack: Stack, load: LoadResult, restoredAt: number, notes: string[]): Promise<void>;
}

async function status(url: string, init: RequestInit = {}): Promise<string> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    const body = (await res.json().catch(() => ({}))) as { error?: string; failed?: string[] };
    return `${res.status}${body.error ? ` ${body.error}` : ''}${body.failed ? ` failed=${body.failed.join('+')}` : ''}`;
  } catch (err) {
    return `no answer (${(err as Error).name})`;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const signInAnswer = (stack: Stack) => status(`${stack.gateway}/v2/auth/token`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@bench.example', password: 'bench-admin-password-1' }),
});

const faults: Fault[] = [
  {
    name: 'redis',
    async inject(stack, notes) {
      // A sign-in whose refresh token is reused during the outage: the theft revokes it while
      // the bus cannot carry the news; the gateway must learn it once Redis is back.
      const stolen = await stack.signIn();
      stack.redis.stop();
      await sleep(1_000);
      notes.push(`/ready during: ${await status(`${stack.gateway}/ready`)}`);
      const first = await fetch(`${stack.gateway}/v2/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: stolen.refreshToken, clientId: 'admin@bench.example' }) });
      const reuse = await fetch(`${stack.gateway}/v2/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: stolen.refreshToken, clientId: 'admin@bench.example' }) });
      notes.push(`refresh during: ${first.status}, reuse of the same refresh token: ${reuse.status}`);
      notes.push(`the revoked access token during: ${await status(`${stack.gateway}/v2/users/me`, { headers: { authorization: `Bearer ${stolen.token}` } })}`);
      return async () => {
        stack.redis.start();
        const ms = await until('revocation resync', async () => (await fetch(`${stack.gateway}/v2/users/me`, { headers: { authorization: `Bearer ${stolen.token}` } })).status === 401);
        notes.push(`the revoked access token refused (401) ${Math.round(ms)} ms after Redis came back`);
        await until('/ready', async () => (await fetch(`${stack.gateway}/ready`)).status === 200);
        notes.push(`/ready after: ${await status(`${stack.gateway}/ready`)}`);
      };
    },
  },
  {
    name: 'postgres',
    async inject(stack, notes) {
      stack.postgres.stop();
      await sleep(500);
      notes.push(`sign-in during: ${await signInAnswer(stack)}; /ready during: ${await status(`${stack.gateway}/ready`)}`);
      return async () => {
        stack.postgres.start();
      };
    },
    async verify(stack, _load, _restoredAt, notes) {
      notes.push(`sign-in after: ${await signInAnswer(stack)}`);
    },
  },
  {
    name: 'api-killed',
    async inject(stack) {
      await stack.procs.api.kill('SIGKILL');
      return () => stack.procs.api.start();
    },
  },
  ...(['slow', 'reset-headers', 'reset-body'] as const).map((mode): Fault => ({
    name: `api-${mode}`,
    async inject(stack) {
      stack.proxy.delayMs = 6_000; // past GATEWAY_RESPONSE_TIMEOUT_MS (5 s here)
      stack.proxy.mode = mode;
      return async () => {
        stack.proxy.mode = 'pass';
      };
    },
  })),
  {
    name: 'auth-stopped',
    async inject(stack, notes) {
      await stack.procs.auth.kill('SIGKILL');
      notes.push(`sign-in during: ${await signInAnswer(stack)}`);
      return () => stack.procs.auth.start();
    },
  },
  {
    name: 'worker-killed',
    async inject(stack, notes) {
      // The receiver holds its answers until the worker is dead, so the kill finds deliveries in flight.
      const before = stack.receiver.received.length;
      const held: Array<() => void> = [];
      stack.receiver.respond(() => new Promise((resolve) => held.push(() => resolve({ status: 204 }))));
      await until('a delivery in flight', async () => held.length > 0);
      await stack.procs.worker.kill('SIGKILL');
      notes.push(`deliveries in flight at the kill: ${held.length} (received this phase before it: ${stack.receiver.received.length - before})`);
      stack.receiver.respond(() => ({ status: 204 }));
      for (const release of held) release();
      return () => stack.procs.worker.start();
    },
    async verify(stack, load, restoredAt, notes) {
      const ms = await until('every accepted write delivered', async () => {
        const got = new Set(stack.receiver.received.map((r) => (r.envelope.data as { token?: string }).token));
        return load.accepted.every((token) => got.has(token));
      }, 120_000);
      const ids = new Set(stack.receiver.received.map((r) => r.id));
      notes.push(`every one of ${load.accepted.length} accepted writes delivered ${Math.round(Date.now() - restoredAt)} ms after the restart (waited ${Math.round(ms)} ms); ${stack.receiver.received.length} deliveries for ${ids.size} webhook-ids (redeliveries: ${stack.receiver.received.length - ids.size})`);
    },
  },
];

async function run(stack: Stack, fault: Fault): Promise<string> {
  const load = startLoad({ gateway: stack.gateway, jwts: [stack.jwt], apiKeys: [stack.apiKey], rate, connections: 32, timeoutMs: 15_000 });
  await sleep(3_000);
  const notes: string[] = [];
  const brokenAt = Date.now();
  const restore = await fault.inject(stack, notes);
  await sleep(Math.max(0, faultMs - (Date.now() - brokenAt)));
  const restoredAt = Date.now();
  await restore();
  const restoreMs = Date.now() - restoredAt;
  await sleep(5_000);
  const result = await load.stop();
  await fault.verify?.(stack, result, restoredAt, notes);
  const during = result.outcomes.filter((o) => o.at >= brokenAt);
  const unexpected = during.filter((o) => o.status === 500);
  if (unexpected.length > 0) notes.push(`500s, by request id (see BENCH_LOG_DIR): ${unexpected.map((o) => `${o.requestId} ${o.message ?? ''}`).join(', ')}`);
  const errors = tally(result.outcomes, brokenAt, Infinity, true);
  const rec = recovery(result.outcomes, restoredAt);
  const hung = during.filter((o) => o.code === 'client_timeout').length;
  const fds = openFds(stack.procs.gateway.pid());
  const line = [
    `| ${fault.name} | ${during.length} | ${during.filter(isError).length} | ${Object.entries(errors).map(([k, n]) => `${k}: ${n}`).join('; ') || '—'}`,
    `${hung} | ${Math.round(restoreMs)} | ${rec.firstSuccessMs === undefined ? '—' : Math.round(rec.firstSuccessMs)} | ${Math.round(rec.steadyMs)}`,
    `${fds} / ${stack.proxy.open} | ${notes.join('; ') || '—'} |`,
  ].join(' | ');
  console.error(line);
  return line;
}

async function main(): Promise<void> {
  const stack = await startStack();
  const lines: string[] = [];
  try {
    console.error(`stack up: gateway ${stack.gateway}; gateway descriptors at rest ${openFds(stack.procs.gateway.pid())}`);
    for (const fault of faults) {
      if (only && !only.includes(fault.name)) continue;
      lines.push(await run(stack, fault));
    }
  } finally {
    await stack.close();
  }
  console.log(`\n${rate} requests/s (45 % JWT GET /v2/users/me, 45 % API key GET /v2/contacts, 10 % JWT POST /v2/conversations), 32 keep-alive connections, each fault ${faultMs / 1_000} s after 3 s of load, 5 s observed after the restore`);
  console.log('| fault | requests from the fault on | errors | errors by kind, status, code | hung (no answer in 15 s) | restore took ms | first success ms after restore | steady ms after restore | gateway fds / proxy sockets after | notes |');
  console.log('|---|---:|---:|---|---:|---:|---:|---:|---|---|');
  for (const line of lines) console.log(line);
  console.log(`\n${new Date().toISOString()}, ${os.cpus().length} CPUs, node ${process.version}, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
}

await main();
