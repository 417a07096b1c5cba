/**
 * `npm run bench:revocation`: how long a revocation made at one Gatehouse takes to be enforced by
 * another gateway process. Two processes on one Postgres and one Redis: A (`--role all`) takes
 * the revocations, B (`--role gateway`, forwarding to A's auth server and API) is polled with the
 * revoked credential, one request after the other, until it refuses it (401). The time is from
 * A's answer to the revocation (committed and announced) to B's first refusal; under load: other
 * connections keep B busy with valid requests meanwhile. Kinds: an API key deleted
 * (`DELETE /v2/api-keys/{id}`) and an access token revoked with RFC 7009 (`POST /oauth2/revoke`).
 *
 * Environment: BENCH_DATABASE_URL or TEST_DATABASE_URL (required: a Postgres server; a scratch
 * database is created and dropped), BENCH_REDIS_URL (default: a throwaway redis-server),
 * BENCH_REVOCATIONS (100 per kind), BENCH_LOAD_CONNECTIONS (8 valid requests in flight at B).
 * Runs the tsc build that `npm run bench:tokens` makes (dist/), building it first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/net.js';
import { runBench, scratchDatabase, startRedis, stop, waitForHttp } from './support.js';

const perKind = Number(process.env.BENCH_REVOCATIONS ?? 100);
const loadConnections = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 8);
const work = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-revocation-bench-'));
const children: ChildProcess[] = [];
const ADMIN = { email: 'admin@example.test', password: 'an admin password long enough 42' };

function gatehouse(role: 'all' | 'gateway', env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['bin/gatehouse.js', 'start', '--role', role], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
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
    GATEWAY_ACCESS_LOG: 'false', RATE_LIMIT_ADMIN: '1000000000', RATE_LIMIT_BOT: '1000000000', RATE_LIMIT_ORGANIZATION: '1000000000',
    RATE_LIMIT_TOKEN_ENDPOINT: '1000000000', RATE_LIMIT_ANONYMOUS: '1000000000', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password,
  };
  if (!process.env.BENCH_NO_BUILD) execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  gatehouse('all', { ...common, PORT: String(portA), AUTH_PORT: String(authPort), API_PORT: String(apiPort) });
  await waitForHttp(`${a}/health`, 120_000);
  gatehouse('gateway', { ...common, PORT: String(portB), AUTH_UPSTREAM_URL: `http://127.0.0.1:${authPort}`, API_UPSTREAM_URL: `http://127.0.0.1:${apiPort}` });
  await waitForHttp(`${b}/health`, 120_000);

  const admin = (await json(`${a}/v2/auth/token`, { method: 'POST', body: JSON.stringify(ADMIN) })).body as { token: string };
  const service = (await json(`${a}/v2/clients`, { method: 'POST', token: admin.token, body: JSON.stringify({ name: 'revocation bench', type: 'service', max_role: 'bot' }) })).body.data as { id: string; client_secret: string };
  const basic = `Basic ${Buffer.from(`${service.id}:${service.client_secret}`).toString('base64')}`;

  // Valid traffic at B while it is polled: the admin's own token, `loadConnections` loops.
  let loading = true;
  let loadRequests = 0;
  const load = Array.from({ length: loadConnections }, async () => {
    while (loading) {
      await fetch(`${b}/v2/organization-groups`, { headers: { authorization: `Bearer ${admin.token}` } }).then((r) => r.arrayBuffer());
      loadRequests++;
    }
  });

  const kinds: Array<{ name: string; credential(): Promise<{ header: string; revoke(): Promise<void> }> }> = [
    {
      name: 'API key deleted',
      async credential() {
        const created = (await json(`${a}/v2/api-keys`, { method: 'POST', token: admin.token, body: JSON.stringify({ name: 'bench', scopes: ['admin'] }) })).body.data as { id: string; key: string };
        return {
          header: `Basic ${Buffer.from(`${created.key}:`).toString('base64')}`,
          revoke: async () => void (await json(`${a}/v2/api-keys/${created.id}`, { method: 'DELETE', token: admin.token })),
        };
      },
    },
    {
      name: 'access token revoked (RFC 7009)',
      async credential() {
        const token = (await json(`${a}/oauth2/token`, { method: 'POST', headers: { authorization: basic }, body: 'grant_type=client_credentials' })).body.access_token as string;
        return {
          header: `Bearer ${token}`,
          revoke: async () => void (await json(`${a}/oauth2/revoke`, { method: 'POST', headers: { authorization: basic }, body: `token=${token}` })),
        };
      },
    },
  ];
  const rows: string[] = [];
  for (const kind of kinds) {
    const times: number[] = [];
    let polls = 0;
    for (let i = 0; i < perKind; i++) {
      const credential = await kind.credential();
      const probe = () => fetch(`${b}/v2/organization-groups`, { headers: { authorization: credential.header } }).then(async (r) => (await r.arrayBuffer(), r.status));
      const before = await probe();
      if (before !== 200) throw new Error(`${kind.name}: B answered ${before} before the revocation`);
      await credential.revoke();
      const revokedAt = performance.now();
      for (;;) {
        polls++;
        if ((await probe()) === 401) break;
        if (performance.now() - revokedAt > 10_000) throw new Error(`${kind.name}: still accepted at B 10 s after the revocation`);
      }
      times.push(performance.now() - revokedAt);
    }
    times.sort((x, y) => x - y);
    rows.push(`| ${kind.name} | ${times.length} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.99).toFixed(1)} | ${times.at(-1)!.toFixed(1)} | ${(polls / times.length).toFixed(1)} |`);
    console.error(`  ${rows.at(-1)}`);
  }
  loading = false;
  await Promise.all(load);
  for (const child of children) await stop(child);
  redis.stop();
  await scratch.drop();
  console.log('| revocation at A | revocations | p50 ms | p99 ms | max ms | requests at B per revocation until refused |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
  console.log(`\n${new Date().toISOString()}, ${os.cpus().length} CPUs, node ${process.version}, ${loadConnections} valid requests in flight at B (${loadRequests} in all), load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
}

runBench(main, async () => {
  for (const child of children) await stop(child);
  rmSync(work, { recursive: true, force: true });
});
