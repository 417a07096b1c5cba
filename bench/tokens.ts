/**
 * `npm run bench:tokens`: the token endpoints side by side in one run, on loopback: a bare
 * oidc-provider 9 (memory adapter, ES256 JWT access tokens; bench/bare-provider.ts) against
 * Gatehouse through its gateway (`--role all`; bench/tokens-server.ts) on embedded PGlite and, when
 * BENCH_DATABASE_URL or TEST_DATABASE_URL names a Postgres server, on Postgres + Redis. Every
 * contender runs compiled JavaScript in its own process, is driven by the same load generator
 * (undici, BENCH_CONNECTIONS requests in flight), and reports its own CPU time (process.cpuUsage)
 * and SQL statements (knex `query` events) before and after each measurement, so CPU and queries
 * per grant are the server's alone. Cases interleave in rounds (every contender measured once per
 * case per round); the table gives medians over the rounds and the ratio to the bare provider
 * taken within each round.
 *
 * Environment: BENCH_DURATION_S (3 per case per contender per round), BENCH_ROUNDS (3),
 * BENCH_CONNECTIONS (16), BENCH_ONLY (comma-separated words: only cases whose name contains one),
 * BENCH_REDIS_URL (default: a throwaway redis-server), BENCH_NODE_ARGS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` for the Gatehouse processes), BENCH_COMPARE_DIR (another checkout of
 * Gatehouse, e.g. the previous commit via `git archive`, with node_modules: this benchmark's
 * server files are copied into it and built there, and it runs too, on PGlite, as "Gatehouse
 * (compare), PGlite").
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/net.js';
import { runBench, scratchDatabase, startRedis, stop } from './support.js';
import { ask, type ServerFixtures, type ServerStats } from './token-fixtures.js';
import { tokenCases, type Target, type TokenCase } from './token-cases.js';
import { drive, type Drive } from './token-load.js';

const duration = Number(process.env.BENCH_DURATION_S ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim().toLowerCase());
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const work = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-tokens-bench-'));
const children: ChildProcess[] = [];
const BARE = 'bare oidc-provider';

interface Contender { name: string; target: Target; child: ChildProcess }
interface Sample { round: number; rps: number; p50: number; p99: number; errors: number; cpuUsPerGrant: number; queriesPerGrant: number; firstError?: string }

const compareDir = process.env.BENCH_COMPARE_DIR;

function build(cwd: string): void {
  execFileSync(process.execPath, [path.join(cwd, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.bench-tokens.tsbuildinfo'], { cwd, stdio: 'inherit' });
}

async function forkServer(script: string, args: string[], env: NodeJS.ProcessEnv, execArgv: string[] = [], root = process.cwd()): Promise<{ child: ChildProcess; fixtures: ServerFixtures }> {
  const child = fork(path.join(root, 'dist/bench', script), args, { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  const fixtures = await new Promise<ServerFixtures>((resolve, reject) => {
    child.once('message', (message: { ready: ServerFixtures }) => resolve(message.ready));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, fixtures };
}

async function gatehouse(name: string, database: string | undefined, redisUrl: string | undefined, root = process.cwd()): Promise<Contender> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, fixtures } = await forkServer('tokens-server.js', [], {
    NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url, SECRET: 'bench-secret-that-is-long-enough-0123456789',
    DATA_DIR: path.join(work, name.replace(/\W+/g, '-')), DATABASE_URL: database ?? '', REDIS_URL: redisUrl ?? '', REDIS_KEY_PREFIX: `tokens-bench-${process.pid}:`,
    LOG_LEVEL: 'warn', GATEWAY_ACCESS_LOG: 'false', ADMIN_EMAIL: 'admin@example.test', ADMIN_PASSWORD: 'an admin password long enough 42',
    // Limits out of the way: the bench measures grants, not the limiter's refusals.
    RATE_LIMIT_TOKEN_ENDPOINT: '1000000000', RATE_LIMIT_ANONYMOUS: '1000000000', RATE_LIMIT_LOGIN: '1000000000', LOGIN_MAX_ATTEMPTS_PER_IP: '1000000000',
  }, nodeArgs, root);
  return { name, child, target: { url, fixtures, kind: 'gatehouse', mintCodes: (n) => ask(child, 'codes', n) } };
}

async function bare(): Promise<Contender> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, fixtures } = await forkServer('bare-provider.js', [String(port), url], {});
  return {
    name: BARE, child,
    target: { url, fixtures, kind: 'bare', mintCodes: (n) => ask(child, 'codes', n), opaqueAccessToken: () => ask(child, 'opaque') },
  };
}

async function measure(contender: Contender, testCase: TokenCase, round: number, seconds: number): Promise<Sample> {
  const state = await testCase.prepare(contender.target, connections);
  const before = await ask<ServerStats>(contender.child, 'stats');
  const run: Drive = await drive({ url: contender.target.url, connections, seconds, max: state.max, step: state.step });
  const after = await ask<ServerStats>(contender.child, 'stats');
  const grants = Math.max(1, run.ok);
  const sample: Sample = {
    round, rps: run.ok / run.seconds, p50: run.p50, p99: run.p99, errors: run.errors,
    cpuUsPerGrant: (after.cpuUs - before.cpuUs) / grants, queriesPerGrant: (after.queries - before.queries) / grants,
    ...(run.firstError ? { firstError: run.firstError } : {}),
  };
  await state.close?.();
  if (round > 0) {
    console.error(`  ${testCase.name} · ${contender.name}: ${Math.round(sample.rps)}/s, p50 ${sample.p50.toFixed(2)} ms, p99 ${sample.p99.toFixed(2)} ms, ` +
      `${sample.cpuUsPerGrant.toFixed(0)} µs CPU/grant, ${sample.queriesPerGrant.toFixed(2)} queries/grant, errors ${sample.errors}${sample.firstError ? ` (${sample.firstError})` : ''}`);
  }
  return sample;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  build(process.cwd());
  const contenders: Contender[] = [await bare(), await gatehouse('Gatehouse, PGlite', undefined, undefined)];
  if (compareDir) {
    for (const file of ['tokens-server.ts', 'token-fixtures.ts', 'tsconfig.json']) copyFileSync(path.join(import.meta.dirname, file), path.join(compareDir, 'bench', file));
    build(compareDir);
    contenders.push(await gatehouse('Gatehouse (compare), PGlite', undefined, undefined, compareDir));
  }
  const scratch = await scratchDatabase('tokens');
  const redis = scratch.url ? await startRedis(work) : undefined;
  if (scratch.url) contenders.push(await gatehouse('Gatehouse, Postgres + Redis', scratch.url, redis!.url));
  const cases = tokenCases.filter((c) => !only || only.some((word) => c.name.toLowerCase().includes(word)));
  const samples = new Map<string, Sample[]>();
  console.error(`bench:tokens: ${rounds} round(s) × ${duration} s per case and contender, ${connections} requests in flight; round 0 warms up (1 s, not counted)`);
  for (let round = 0; round <= rounds; round++) {
    if (round > 0) console.error(`round ${round}`);
    for (const testCase of cases) {
      for (const contender of contenders) {
        if (!testCase.applies(contender.target)) continue;
        const sample = await measure(contender, testCase, round, round === 0 ? 1 : duration);
        if (round > 0) samples.set(`${testCase.name}\n${contender.name}`, [...(samples.get(`${testCase.name}\n${contender.name}`) ?? []), sample]);
      }
    }
  }
  for (const contender of contenders) await stop(contender.child);
  redis?.stop();
  await scratch.drop();

  console.log('| case | contender | grants/s | p50 ms | p99 ms | errors | CPU µs/grant | queries/grant | × bare, median | × bare, each round |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const [key, runs] of samples) {
    const [caseName, name] = key.split('\n') as [string, string];
    const baseline = samples.get(`${caseName}\n${BARE}`);
    const ratios = baseline && name !== BARE ? runs.map((run) => run.rps / (baseline.find((b) => b.round === run.round)?.rps ?? NaN)) : [];
    console.log(`| ${caseName} | ${name} | ${Math.round(median(runs.map((r) => r.rps)))} | ${median(runs.map((r) => r.p50)).toFixed(2)} | ${median(runs.map((r) => r.p99)).toFixed(2)} | ` +
      `${runs.reduce((sum, r) => sum + r.errors, 0)} | ${median(runs.map((r) => r.cpuUsPerGrant)).toFixed(0)} | ${median(runs.map((r) => r.queriesPerGrant)).toFixed(2)} | ` +
      `${ratios.length ? median(ratios).toFixed(2) : '–'} | ${ratios.map((r) => r.toFixed(2)).join(', ')} |`);
  }
  console.log(`\n${new Date().toISOString()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, ${rounds} round(s) × ${duration} s, ${connections} in flight, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
}

runBench(main, async () => {
  for (const child of children) await stop(child);
  rmSync(work, { recursive: true, force: true });
});
