/**
 * `npm run bench:abuse`: hostile clients beside a steady load (BENCH_ABUSE_RATE, 15 requests/s
 * of JWT, API-key and write requests) on the four-process Gatehouse of bench/fault-stack.ts, with
 * HTTP_HEADERS_TIMEOUT_MS 10 s and HTTP_REQUEST_TIMEOUT_MS 20 s (shorter than the defaults, so
 * the run stays short). In turn, each phase BENCH_ABUSE_PHASE_S (25) seconds:
 * The others use the API key, the hostile clients the JWT (another principal).
 * 1. baseline: the load alone;
 * 2. slowloris: BENCH_ABUSE_SLOW (500) sockets trickling one header byte a second;
 * 3. slow body: as many sockets sending a declared 1,000-byte body one byte a second;
 * 4. aborts: BENCH_ABUSE_ABORTS (10,000) clients leaving mid-request, mid-response and on live
 *    streams (/v2/events), 100 at a time; the gateway's descriptors and heap before and after.
 * For each phase: the others' requests, errors, p50/p99, and how the hostile sockets ended.
 */
import net from 'node:net';
import os from 'node:os';
import { openFds, startStack, type Stack } from './fault-stack.js';
import { isError, percentile, sleep, startLoad, type Outcome } from './load.js';

const rate = Number(process.env.BENCH_ABUSE_RATE ?? 15);
const phaseMs = Number(process.env.BENCH_ABUSE_PHASE_S ?? 25) * 1_000;
const slowCount = Number(process.env.BENCH_ABUSE_SLOW ?? 500);
const abortCount = Number(process.env.BENCH_ABUSE_ABORTS ?? 10_000);

/** A hostile socket: writes `head`, then one byte of `drip` a second; notes how and when it ended. */
function trickle(port: number, head: string, drip: string) {
  const socket = net.connect(port, '127.0.0.1');
  const opened = Date.now();
  let answer = '';
  let sent = 0;
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.write(head);
  const timer = setInterval(() => socket.write(drip[sent++ % drip.length]!), 1_000);
  return new Promise<{ status: string; ms: number }>((resolve) => socket.on('close', () => {
    clearInterval(timer);
    resolve({ status: /^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 'closed', ms: Date.now() - opened });
  }));
}

function abortOne(port: number, request: string, when: 'request' | 'response'): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('close', () => resolve());
    socket.write(request);
    if (when === 'request') socket.destroy();
    else socket.once('data', () => socket.resetAndDestroy());
  });
}

async function metric(stack: Stack, name: string): Promise<number> {
  const text = await (await fetch(`${stack.gateway}/metrics`, { headers: { authorization: `Bearer ${stack.metricsToken}` } })).text();
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
}

const summary = (outcomes: Outcome[], from: number, to: number) => {
  const inside = outcomes.filter((o) => o.at >= from && o.at < to);
  const ms = inside.map((o) => o.ms);
  return `${inside.length} | ${inside.filter(isError).length} | ${percentile(ms, 50).toFixed(0)} | ${percentile(ms, 99).toFixed(0)}`;
};

async function main(): Promise<void> {
  const stack = await startStack({ HTTP_HEADERS_TIMEOUT_MS: '10000', HTTP_REQUEST_TIMEOUT_MS: '20000', GATEWAY_RESPONSE_TIMEOUT_MS: '30000' });
  const port = Number(new URL(stack.gateway).port);
  const pid = stack.procs.gateway.pid();
  const rows: string[] = [];
  try {
    // The others call with the API key only (as Bearer for the "JWT" share too); the hostile
    // clients use the JWT, another principal, so the in-flight cap they meet is theirs alone.
    const load = startLoad({ gateway: stack.gateway, jwts: [stack.apiKey], apiKeys: [stack.apiKey], rate, connections: 16, timeoutMs: 30_000 });
    const phases: Array<{ name: string; from: number; to: number; note: string }> = [];
    const phase = async (name: string, run: () => Promise<string>) => {
      const from = Date.now();
      const note = await run();
      phases.push({ name, from, to: Date.now(), note });
      console.error(`  ${name}: ${note}`);
    };
    await phase('baseline', async () => { await sleep(phaseMs); return '—'; });
    const ended = async (sockets: Promise<{ status: string; ms: number }>[]) => {
      const results = await Promise.all(sockets);
      const statuses = new Map<string, number>();
      for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const ms = results.map((r) => r.ms);
      return `${results.length} sockets ended: ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}; after ${(percentile(ms, 50) / 1_000).toFixed(1)} s (p50), ${(Math.max(...ms) / 1_000).toFixed(1)} s (max)`;
    };
    await phase('slowloris', () => ended(Array.from({ length: slowCount }, () => trickle(port, 'GET /v2/users/me HTTP/1.1\r\nHost: gatehouse\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n'))));
    await phase('slow body', () => ended(Array.from({ length: slowCount }, () => trickle(port,
      `POST /v2/conversations HTTP/1.1\r\nHost: gatehouse\r\nAuthorization: Bearer ${stack.jwt}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`, '{"subject":"' + 'a'.repeat(980)))));
    await phase('aborts', async () => {
      const fds = openFds(pid);
      const heap = await metric(stack, 'nodejs_heap_size_used_bytes');
      const auth = `Authorization: Bearer ${stack.jwt}\r\n`;
      for (let done = 0; done < abortCount; done += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => {
          const which = (done + i) % 3;
          return which === 0 ? abortOne(port, `POST /v2/conversations HTTP/1.1\r\nHost: g\r\n${auth}Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a`, 'request')
            : which === 1 ? abortOne(port, `GET /v2/users/me HTTP/1.1\r\nHost: g\r\n${auth}\r\n`, 'response')
              : abortOne(port, `GET /v2/events HTTP/1.1\r\nHost: g\r\n${auth}Accept: text/event-stream\r\n\r\n`, 'response');
        }));
      }
      await sleep(5_000);
      return `${abortCount} aborts: gateway descriptors ${fds} → ${openFds(pid)}, heap used ${(heap / 2 ** 20).toFixed(0)} → ${((await metric(stack, 'nodejs_heap_size_used_bytes')) / 2 ** 20).toFixed(0)} MB`;
    });
    const result = await load.stop();
    for (const p of phases) rows.push(`| ${p.name} | ${Math.round((p.to - p.from) / 1_000)} | ${summary(result.outcomes, p.from, p.to)} | ${p.note} |`);
  } finally {
    await stack.close();
  }
  console.log(`\nthe others: ${rate} requests/s over 16 keep-alive connections; HTTP_HEADERS_TIMEOUT_MS 10000, HTTP_REQUEST_TIMEOUT_MS 20000`);
  console.log('| phase | s | others\' requests | errors | p50 ms | p99 ms | the hostile clients |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const row of rows) console.log(row);
  console.log(`\n${new Date().toISOString()}, ${os.cpus().length} CPUs, node ${process.version}, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
}

await main();
