/**
 * `npm run bench:soak`: BENCH_SOAK_CONNECTIONS (1000) keep-alive connections through the gateway,
 * every one open and used in turn, for BENCH_SOAK_MIN (10) minutes at BENCH_SOAK_RATE (20)
 * requests/s (each connection used every 50 s, inside the 65 s keep-alive; 48 % JWT GET /v2/users/me, 47 % API key GET /v2/contacts, 5 % JWT POST
 * /v2/conversations), the credentials of BENCH_SOAK_CREDENTIALS (50) members in turn (a JWT and
 * an API key each: the per-principal limits see many clients, as they would), against the four-process Gatehouse of bench/fault-stack.ts on a private
 * Postgres and Redis. Each BENCH_SOAK_SAMPLE_S (60) seconds: the gateway's resident set, open
 * descriptors and event-loop delay p99 (prom-client's monitorEventLoopDelay histogram, read from
 * /metrics, which resets it on every read); at the end a row per sample with the requests, errors
 * and latency of that interval. `BENCH_SOAK_MIN=1 BENCH_SOAK_SAMPLE_S=15` is the short version.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { openFds, startStack } from './fault-stack.js';
import { isError, percentile, sleep, startLoad } from './load.js';

const minutes = Number(process.env.BENCH_SOAK_MIN ?? 10);
const sampleMs = Number(process.env.BENCH_SOAK_SAMPLE_S ?? 60) * 1_000;
const rate = Number(process.env.BENCH_SOAK_RATE ?? 20);
const connections = Number(process.env.BENCH_SOAK_CONNECTIONS ?? 1_000);
const clientCount = Number(process.env.BENCH_SOAK_CREDENTIALS ?? 50);

function rssMb(pid: number | undefined): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(pid ? readFileSync(`/proc/${pid}/status`, 'utf8') : '');
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

async function eventLoopP99Ms(gateway: string, token: string): Promise<number> {
  const text = await (await fetch(`${gateway}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  return Number(/^nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text)?.[1] ?? NaN) * 1_000;
}

async function main(): Promise<void> {
  // The default response timeout: the soak looks for errors of the gateway, not of a slow machine.
  const stack = await startStack({ GATEWAY_RESPONSE_TIMEOUT_MS: '30000' });
  const pid = stack.procs.gateway.pid();
  const samples: Array<{ at: number; rss: number; fds: number; loopP99: number }> = [];
  const sample = async () => samples.push({ at: Date.now(), rss: rssMb(pid), fds: openFds(pid), loopP99: await eventLoopP99Ms(stack.gateway, stack.metricsToken) });
  try {
    const { jwts, apiKeys } = await stack.credentials(clientCount);
    await sample();
    console.error(`soak: ${connections} connections, ${rate} requests/s, ${minutes} min, ${clientCount} members each with a JWT and an API key; at rest: RSS ${samples[0]!.rss} MB, ${samples[0]!.fds} descriptors`);
    const load = startLoad({ gateway: stack.gateway, jwts, apiKeys, rate, connections, spread: true, writeShare: 0.05, timeoutMs: 30_000 });
    const end = Date.now() + minutes * 60_000;
    while (Date.now() < end) {
      await sleep(Math.min(sampleMs, end - Date.now()));
      await sample();
      const last = samples.at(-1)!;
      console.error(`  ${Math.round((last.at - samples[0]!.at) / 1_000)} s: RSS ${last.rss} MB, ${last.fds} descriptors, event-loop p99 ${last.loopP99.toFixed(1)} ms`);
    }
    const result = await load.stop();
    console.log(`\n${connections} keep-alive connections, ${clientCount} members' JWTs and API keys in turn, ${rate} requests/s, ${minutes} min, sampled every ${sampleMs / 1_000} s; gateway at rest: RSS ${samples[0]!.rss} MB, ${samples[0]!.fds} descriptors`);
    console.log('| interval ends s | requests | errors | p50 ms | p99 ms | gateway RSS MB | gateway descriptors | event-loop delay p99 ms |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (let i = 1; i < samples.length; i++) {
      const inside = result.outcomes.filter((o) => o.at >= samples[i - 1]!.at && o.at < samples[i]!.at);
      const ms = inside.map((o) => o.ms);
      const s = samples[i]!;
      console.log(`| ${Math.round((s.at - samples[0]!.at) / 1_000)} | ${inside.length} | ${inside.filter(isError).length} | ${percentile(ms, 50).toFixed(0)} | ${percentile(ms, 99).toFixed(0)} | ${s.rss} | ${s.fds} | ${s.loopP99.toFixed(1)} |`);
    }
    const errors = result.outcomes.filter(isError);
    const messages = new Map(errors.map((o) => [`${o.status} ${o.code}`, o.message]));
    for (const [code, message] of messages) console.log(`  ${code}: ${message ?? ''}`);
    const kinds = new Map<string, number>();
    for (const o of errors) kinds.set(`${o.kind} ${o.status} ${o.code}`, (kinds.get(`${o.kind} ${o.status} ${o.code}`) ?? 0) + 1);
    console.log(`\ntotal: ${result.outcomes.length} requests, ${errors.length} errors${errors.length ? ` (${[...kinds].map(([k, n]) => `${k}: ${n}`).join('; ')})` : ''}, ${result.skipped} not sent (over 2,000 in flight)`);
    console.log(`${new Date().toISOString()}, ${os.cpus().length} CPUs, node ${process.version}, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  } finally {
    await stack.close();
  }
}

await main();
