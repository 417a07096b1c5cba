/**
 * `npm run bench` (issue 5 "Benchmark"): one run, same machine, same stub upstream, same load
 * generator (wrk), one process per contender: direct upstream, nginx (when installed), bare
 * http-proxy, bare undici, Gatehouse with a JWT and with an API key (full pipeline: permission,
 * Redis rate limits high enough not to reject, revocation check), and Gatehouse with --workers 2.
 * Prints a markdown table (req/s, p50/p99, errors, peak RSS, CPU time per request of the
 * contender's own processes, ratio to bare http-proxy).
 *
 * Environment: BENCH_DURATION_S (5), BENCH_CONNECTIONS (64), BENCH_THREADS (1),
 * BENCH_DATABASE_URL or TEST_DATABASE_URL (a Postgres server; a scratch database is created and
 * dropped; without one the single-process runs use embedded PGlite and --workers is skipped),
 * BENCH_REDIS_URL (default: a throwaway redis-server on a free port), BENCH_ONLY (comma-separated
 * words; only contenders whose name contains one run, e.g. `http-proxy,gatehouse`),
 * BENCH_ROUNDS (3; every contender is measured once per round, in a fresh process, and the
 * table gives medians over the rounds, the ratio to bare http-proxy taken within each round),
 * BENCH_NODE_ARGS (extra node options for the Gatehouse processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`),
 * BENCH_COMPARE_DIR (another checkout of Gatehouse, e.g. the previous commit via `git archive`:
 * its gateway runs too, in the same run, as "Gatehouse (compare), JWT/API key").
 * After the table, the chat benchmark (bench/chat.ts, its own Gatehouse and settings) runs
 * unless BENCH_ONLY leaves out "chat".
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createDatabase } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrate.js';
import { insertMembership, insertOrganization, insertUser } from '../src/db/accounts.js';
import { issueApiKey } from '../src/db/api-keys.js';
import { loadSecrets } from '../src/shared/secrets.js';
import { freePort } from '../test/helpers/net.js';
import { scratchDatabase, startRedis, stop, waitForHttp } from './support.js';

const duration = Number(process.env.BENCH_DURATION_S ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const threads = Number(process.env.BENCH_THREADS ?? 1);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const secret = 'bench-secret-that-is-long-enough-0123456789';
const publicUrl = 'http://gatehouse.bench';
const benchPath = '/v2/users/me';
const work = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
const children: ChildProcess[] = [];

interface Sample {
  round: number;
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
  /** CPU time (user + system) the contender's processes spent per request, µs. */
  cpuUsPerRequest: number;
  /** Share of the machine's CPU time (all cores) that was busy during the run, %. */
  machineBusy: number;
}

const BASELINE = 'bare http-proxy';

/**
 * Every node contender runs compiled JavaScript, as `npm start` runs Gatehouse: tsc builds src
 * and these scripts into dist/ (bench/tsconfig.json), and nothing runs under tsx, whose esbuild
 * transform wraps named per-request closures in a naming helper.
 */
function build(cwd: string, project: string): void {
  execFileSync(process.execPath, [path.join(cwd, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd, stdio: 'inherit' });
}

function forkBuilt(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const compiled = path.join(import.meta.dirname, '../dist/bench', script.replace(/\.ts$/, '.js'));
  const child = fork(compiled, args, { execArgv: [], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function descendants(pid: number): number[] {
  try {
    const kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    return kids.flatMap((kid) => [kid, ...descendants(kid)]);
  } catch {
    return [];
  }
}

/** Peak resident set (VmHWM) of a process and its descendants, summed, in MB. */
function peakRssMb(pid: number): number {
  let kb = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return Math.round(kb / 1024);
}

/** CPU time (user + system) of a process and its descendants so far, in µs (from /proc, clock ticks). */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function cpuUs(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return (ticks * 1e6) / ticksPerSecond;
}

/** Busy and total jiffies of all cores together (/proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

function ms(value: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!match) return NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 's' ? n * 1000 : n;
}

function wrk(url: string, headers: string[], seconds: number): { rps: number; requests: number; p50: number; p99: number; errors: number; errorKinds: string } {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    p50: ms(/ 50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99: ms(/ 99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    errors: non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
    // Which errors: a non-2xx answer is the contender's, a timeout (wrk's 2 s) may be the machine's.
    errorKinds: `non-2xx ${non2xx}, socket errors ${socketErrors ? socketErrors.slice(1).join('/') : '0/0/0/0'} (connect/read/write/timeout)`,
  };
}

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim().toLowerCase());
const wanted = (name: string) => !only || only.some((word) => name.toLowerCase().includes(word));

/** One measured run of a contender: a 1 s warm-up (JIT, pools, caches), then `duration` seconds. */
function measure(name: string, url: string, pid: number, headers: string[], round: number): Sample {
  wrk(url, headers, 1);
  const before = cpuUs(pid);
  const machine = machineTicks();
  const out = wrk(url, headers, duration);
  const after = machineTicks();
  const { errorKinds, ...measured } = out;
  const sample: Sample = {
    round,
    ...measured,
    rssMb: peakRssMb(pid),
    cpuUsPerRequest: (cpuUs(pid) - before) / Math.max(1, out.requests),
    machineBusy: (100 * (after.busy - machine.busy)) / Math.max(1, after.total - machine.total),
  };
  console.error(`  ${name}: ${Math.round(out.rps)} req/s, p50 ${out.p50} ms, p99 ${out.p99} ms, errors ${out.errors}${out.errors > 0 ? ` (${errorKinds})` : ''}, ${sample.cpuUsPerRequest.toFixed(1)} µs CPU/req, machine ${sample.machineBusy.toFixed(0)} % busy`);
  return sample;
}

async function main(): Promise<void> {
  const keys = await generateKeyPair('ES256', { extractable: true });
  const jwksFile = path.join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }));

  const stubPort = await freePort();
  const stubUrl = `http://127.0.0.1:${stubPort}`;
  build(process.cwd(), 'bench/tsconfig.json');
  const stub = await forkBuilt('stub-upstream.ts', [String(stubPort)], { BENCH_JWKS: jwksFile });

  // Storage for Gatehouse: a user, an organization, an API key, all real rows.
  const redis = await startRedis(work);
  const scratch = await scratchDatabase();
  const dataDir = path.join(work, 'data');
  const db = scratch.url ? createDatabase({ url: scratch.url }) : createDatabase({ dataDir });
  await migrateLatest(db.knex);
  const org = await insertOrganization(db.knex, { name: 'Bench' });
  const user = await insertUser(db.knex, { email: 'bench@example.test', passwordHash: null });
  await insertMembership(db.knex, { userId: user.id, organizationId: org.id, role: 'admin' });
  const { key: apiKey } = await issueApiKey(
    db.knex,
    { organizationId: org.id, userId: user.id, creatorRole: 'admin', name: 'bench', scopes: ['admin'], expiresAt: undefined },
    { hashSecret: loadSecrets({ secret, dataDir }).derive('api-key-hash'), maxLifetimeDays: 30, now: Date.now() },
  );
  await db.close(); // PGlite serves one process: Gatehouse opens it next
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ org: org.id, scope: 'openid admin', client_id: 'bench', jti: 'bench-jti', gid: 'bench-grant' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })
    .setIssuer(publicUrl).setAudience(`${publicUrl}/api`).setSubject(user.id).setIssuedAt(now).setExpirationTime(now + 3600)
    .sign(keys.privateKey);
  const bearer = `Authorization: Bearer ${jwt}`;

  const basicKey = `Authorization: Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
  const gatehouseEnv = (port: number): NodeJS.ProcessEnv => ({
    HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: publicUrl, SECRET: secret, DATA_DIR: dataDir, LOG_LEVEL: 'warn',
    API_UPSTREAM_URL: stubUrl, AUTH_UPSTREAM_URL: stubUrl, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `bench-${process.pid}:`,
    ...(scratch.url ? { DATABASE_URL: scratch.url } : { DATABASE_URL: '' }),
    GATEWAY_ACCESS_LOG: 'false', RATE_LIMIT_ADMIN: '1000000000', RATE_LIMIT_ORGANIZATION: '1000000000',
  });
  // Gatehouse runs as `npm start` runs it: bin/gatehouse.js on the tsc build (this checkout's is
  // built above; a compare checkout builds its own).
  const built = new Set([process.cwd()]);
  function gatehouse(workers: number, cwd = process.cwd(), extraEnv: NodeJS.ProcessEnv = {}): Host {
    return async () => {
      if (!built.has(cwd)) {
        build(cwd, 'tsconfig.build.json');
        built.add(cwd);
      }
      const port = await freePort();
      const child = spawn(process.execPath, [...nodeArgs, 'bin/gatehouse.js', 'start', '--role', 'gateway', ...(workers > 1 ? ['--workers', String(workers)] : [])], {
        cwd,
        env: { ...process.env, ...gatehouseEnv(port), ...extraEnv },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/health`);
      if (workers > 1) await new Promise((r) => setTimeout(r, 1_000)); // every worker listening
      return { url, pid: child.pid!, stop: () => stop(child) };
    };
  }
  const passthrough = (script: string): Host => async () => {
    const port = await freePort();
    const child = await forkBuilt(script, [String(port), stubUrl]);
    return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stop(child) };
  };
  const nginx: Host = async () => {
    const port = await freePort();
    const dir = path.join(work, 'nginx');
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(path.join(dir, 'nginx.conf'), `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http { access_log off; upstream up { server 127.0.0.1:${stubPort}; keepalive 128; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`);
    const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
    children.push(child);
    await waitForHttp(`http://127.0.0.1:${port}${benchPath}`);
    return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stop(child) };
  };
  let nginxInstalled = true;
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  } catch {
    nginxInstalled = false;
    console.error('  nginx skipped: not installed');
  }

  // One process (host) per group; the contenders of a group are measured one after the other on it.
  const single = gatehouse(1);
  const compareDir = process.env.BENCH_COMPARE_DIR;
  const compare = compareDir ? gatehouse(1, compareDir) : undefined;
  const groups: Array<{ host: Host; contenders: Array<{ name: string; headers: string[]; note?: string }> }> = [
    { host: async () => ({ url: stubUrl, pid: stub.pid!, stop: async () => {} }), contenders: [{ name: 'direct (stub upstream)', headers: [bearer] }] },
    ...(nginxInstalled ? [{ host: nginx, contenders: [{ name: 'nginx (1 worker, keepalive)', headers: [bearer] }] }] : []),
    { host: passthrough('http-proxy-passthrough.ts'), contenders: [{ name: BASELINE, headers: [bearer] }] },
    { host: passthrough('undici-passthrough.ts'), contenders: [{ name: 'bare undici Pool', headers: [bearer] }] },
    ...(compare ? [{ host: compare, contenders: [
      { name: 'Gatehouse (compare), JWT (full pipeline)', headers: [bearer] },
      { name: 'Gatehouse (compare), API key (full pipeline)', headers: [basicKey] },
    ] }] : []),
    { host: single, contenders: [{ name: 'Gatehouse, JWT (full pipeline)', headers: [bearer] }, { name: 'Gatehouse, API key (full pipeline)', headers: [basicKey] }] },
    // The rate-limit lease off: every request's two counters go to Redis (one Lua call each).
    { host: gatehouse(1, process.cwd(), { RATE_LIMIT_LEASE_PERCENT: '0' }), contenders: [{ name: 'Gatehouse, JWT, lease off (Redis per request)', headers: [bearer] }] },
    // Two processes cannot share an embedded PGlite directory: workers need a Postgres server.
    ...(scratch.url ? [{ host: gatehouse(2), contenders: [{ name: 'Gatehouse --workers 2, JWT', headers: [bearer], note: 'primary + 2 workers' }] }] : []),
  ];

  console.error(`bench: ${rounds} round(s) of wrk -t${threads} -c${connections} -d${duration}s GET ${benchPath}, stub upstream ${stubUrl}`);
  const samples = new Map<string, Sample[]>();
  const notes = new Map<string, string>();
  for (let round = 1; round <= rounds; round++) {
    console.error(`round ${round}`);
    for (const group of groups) {
      const contenders = group.contenders.filter((c) => wanted(c.name));
      if (contenders.length === 0) continue;
      const host = await group.host();
      // Contenders sharing a process swap places every round: the first one measured in a fresh
      // process also pays for its warm-up (JIT, first lookups), which made JWT look dearer than
      // the API key measured after it in the same process.
      for (const contender of round % 2 === 0 ? [...contenders].reverse() : contenders) {
        const sample = measure(contender.name, `${host.url}${benchPath}`, host.pid, contender.headers, round);
        samples.set(contender.name, [...(samples.get(contender.name) ?? []), sample]);
        if (contender.note) notes.set(contender.name, contender.note);
      }
      await host.stop();
    }
  }

  await stop(stub);
  redis.stop();
  await scratch.drop();

  printTable(samples, notes);
  // Issue 10: messages through the gateway and live delivery, in its own Gatehouse (bench/chat.ts).
  if (wanted('chat')) execFileSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'chat.ts')], { stdio: 'inherit' });
  console.log(`\n${new Date().toISOString()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, wrk -t${threads} -c${connections} -d${duration}s, ${rounds} round(s), medians, GET ${benchPath}, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
}

type Host = () => Promise<{ url: string; pid: number; stop(): Promise<void> }>;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The medians over the rounds, and the ratio to bare http-proxy taken within each round (both
 * measured minutes apart at most, so a machine that slows down between rounds moves both), its
 * median and every round's value.
 */
function printTable(samples: Map<string, Sample[]>, notes: Map<string, string>): void {
  const baseline = samples.get(BASELINE) ?? [];
  console.log(`| contender | req/s | p50 ms | p99 ms | errors | peak RSS MB | CPU µs/req | machine busy % | × http-proxy | × http-proxy, each round |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---|`);
  for (const [name, runs] of samples) {
    const ratios = runs.map((run) => run.rps / (baseline.find((b) => b.round === run.round)?.rps ?? NaN));
    const note = notes.get(name);
    console.log(
      `| ${name}${note ? ` (${note})` : ''} | ${Math.round(median(runs.map((r) => r.rps)))} | ${median(runs.map((r) => r.p50)).toFixed(2)} | ` +
        `${median(runs.map((r) => r.p99)).toFixed(2)} | ${runs.reduce((sum, r) => sum + r.errors, 0)} | ${Math.max(...runs.map((r) => r.rssMb))} | ` +
        `${median(runs.map((r) => r.cpuUsPerRequest)).toFixed(1)} | ${median(runs.map((r) => r.machineBusy)).toFixed(0)} | ` +
        `${median(ratios).toFixed(2)} | ${ratios.map((r) => r.toFixed(2)).join(', ')} |`,
    );
  }
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const child of children) await stop(child);
    rmSync(work, { recursive: true, force: true });
  });
