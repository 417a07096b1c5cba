import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { insertMembership, insertUser } from '../src/db/accounts.js';
import { createDatabase } from '../src/db/knex.js';
import { loadSecrets } from '../src/shared/secrets.js';
import { freePort } from '../test/helpers/net.js';
import { startPrivatePostgres, startPrivateRedis, type PrivateServer } from '../test/helpers/servers.js';
import { addEndpoint, startReceiver, type Receiver } from '../test/webhooks/helpers.js';
import { waitForHttp } from './support.js';

// What the fault, soak and abuse benchmarks share: a private Postgres 15 and Redis (to kill), and
// Gatehouse split in four processes (auth, api, worker, gateway) so each can be stopped alone.
// The gateway reaches the resource API through a fault proxy in this process, which can pass,
// slow or reset the upstream's answers. Loopback only; everything is removed by `close()`.

export const SECRET = 'bench-secret-that-is-long-enough-0123456789';
export const ADMIN = { email: 'admin@bench.example', password: 'bench-admin-password-1' };
const ROOT = path.join(import.meta.dirname, '..');

export type Role = 'auth' | 'api' | 'worker' | 'gateway';

/** One Gatehouse process that can be killed and started again with the same settings. */
export interface Proc {
  readonly role: Role;
  pid(): number | undefined;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export type ProxyMode = 'pass' | 'slow' | 'reset-headers' | 'reset-body';

/** TCP proxy between the gateway and the resource API. */
export interface FaultProxy {
  readonly port: number;
  mode: ProxyMode;
  /** With `slow`: how long each upstream chunk is held. */
  delayMs: number;
  readonly open: number;
  close(): Promise<void>;
}

async function startFaultProxy(target: number): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: { mode: ProxyMode; delayMs: number } = { mode: 'pass', delayMs: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    const done = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', done).on('error', done);
    upstream.on('close', done).on('error', done);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const mode = proxy.mode;
      if (mode === 'pass') client.write(chunk);
      else if (mode === 'slow') {
        upstream.pause();
        setTimeout(() => {
          if (!client.destroyed) client.write(chunk);
          upstream.resume();
        }, proxy.delayMs);
      } else {
        // Part of the answer, then a TCP reset: inside the status line and headers, or inside the body.
        const cut = mode === 'reset-headers' ? 12 : Math.max(1, chunk.length - 4);
        client.write(chunk.subarray(0, cut), () => client.resetAndDestroy());
        upstream.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get mode() { return proxy.mode; },
    set mode(value) { proxy.mode = value; },
    get delayMs() { return proxy.delayMs; },
    set delayMs(value) { proxy.delayMs = value; },
    get open() { return sockets.size; },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function startProc(role: Role, env: NodeJS.ProcessEnv, ready: () => Promise<void>): Proc {
  let child: ChildProcess | undefined;
  return {
    role,
    pid: () => child?.pid,
    async start() {
      child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'start', '--role', role], {
        cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      const started = new Promise<void>((resolve, reject) => {
        let out = '';
        child!.stdout!.on('data', (chunk: Buffer) => {
          if (process.env.BENCH_LOG_DIR) appendFileSync(path.join(process.env.BENCH_LOG_DIR, `${role}.log`), chunk);
          if (out.length < 100_000) out += chunk.toString();
          if (out.includes('gatehouse started')) resolve();
        });
        child!.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
      });
      await started;
      await ready();
    },
    async kill(signal = 'SIGKILL') {
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        current.once('exit', () => resolve());
        current.kill(signal);
      });
    },
  };
}

/** Open descriptors of a process (Linux /proc). */
export function openFds(pid: number | undefined): number {
  try {
    return pid ? readdirSync(`/proc/${pid}/fd`).length : 0;
  } catch {
    return 0;
  }
}

export interface Stack {
  readonly gateway: string;
  readonly apiUrl: string;
  readonly authUrl: string;
  readonly procs: Record<Role, Proc>;
  readonly postgres: PrivateServer;
  readonly redis: PrivateServer;
  readonly proxy: FaultProxy;
  readonly receiver: Receiver;
  readonly metricsToken: string;
  /** A fresh admin sign-in: access token and refresh token. */
  signIn(): Promise<{ token: string; refreshToken: string }>;
  /** An admin API key. */
  readonly apiKey: string;
  readonly jwt: string;
  /**
   * `count` other members of the admin's organization (role admin), each signed in, and `count`
   * other API keys: the in-flight cap and the rate limits are per principal, so a load of many
   * clients needs many credentials, not one shared by all.
   */
  credentials(count: number): Promise<{ jwts: string[]; apiKeys: string[] }>;
  close(): Promise<void>;
}

export async function startStack(extraEnv: NodeJS.ProcessEnv = {}): Promise<Stack> {
  const [postgres, redis, receiver] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startReceiver()]);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-faults-'));
  const [port, authPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const proxy = await startFaultProxy(apiPort);
  const gateway = `http://127.0.0.1:${port}`;
  const metricsToken = 'bench-metrics-token-0123456789';
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'production', LOG_LEVEL: 'info', GATEWAY_ACCESS_LOG: 'false', SECRET, DATA_DIR: dataDir,
    DATABASE_URL: postgres.url, REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: gateway,
    AUTH_PORT: String(authPort), API_PORT: String(apiPort), API_UPSTREAM_URL: `http://127.0.0.1:${proxy.port}`,
    ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, METRICS_TOKEN: metricsToken,
    WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`, WEBHOOK_POLL_INTERVAL_MS: '1000',
    GATEWAY_RESPONSE_TIMEOUT_MS: '5000', RATE_LIMIT_ADMIN: '1000000000', RATE_LIMIT_ORGANIZATION: '1000000000',
    RATE_LIMIT_TOKEN_ENDPOINT: '1000000', RATE_LIMIT_ANONYMOUS: '1000000',
    ...extraEnv,
  };
  const authUrl = `http://127.0.0.1:${authPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const procs: Record<Role, Proc> = {
    auth: startProc('auth', env, () => waitForHttp(`${authUrl}/health`)),
    api: startProc('api', env, () => waitForHttp(`${apiUrl}/health`)),
    worker: startProc('worker', env, async () => {}),
    gateway: startProc('gateway', env, () => waitForHttp(`${gateway}/health`)),
  };
  // The auth server migrates and creates the admin first; the others find the schema ready.
  await procs.auth.start();
  await Promise.all([procs.api.start(), procs.worker.start()]);
  await procs.gateway.start();

  const signIn = async () => {
    const res = await fetch(`${gateway}/v2/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN),
    });
    if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { token: string; refreshToken: string };
  };
  const { token: jwt } = await signIn();
  const keyRes = await fetch(`${gateway}/v2/api-keys`, {
    method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scopes: ['admin'] }),
  });
  const apiKey = ((await keyRes.json()) as { data: { key: string } }).data.key;

  // The webhook endpoint: every event of the admin's organization to the loopback receiver.
  const db = createDatabase({ url: postgres.url });
  const { org } = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { org: string };
  await addEndpoint(db.knex, loadSecrets({ secret: SECRET, dataDir }), org, {
    url: `${receiver.url}/hook`, events: ['chat.started'], maxConcurrency: 8,
  });
  await db.close();

  const credentials = async (count: number) => {
    const users = createDatabase({ url: postgres.url });
    try {
      // The admin's password hash for every member: one argon2id hash, not one per user.
      const hash = (await users.knex('users').where({ email: ADMIN.email }).first<{ password_hash: string }>('password_hash')).password_hash;
      const emails = Array.from({ length: count }, (_, i) => `member-${i}-${Date.now()}@bench.test`);
      for (const email of emails) {
        const user = await insertUser(users.knex, { email, name: email, passwordHash: hash });
        await insertMembership(users.knex, { userId: user.id, organizationId: org, role: 'admin' });
      }
      const jwts: string[] = [];
      const apiKeys: string[] = [];
      for (const email of emails) {
        const res = await fetch(`${gateway}/v2/auth/token`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: ADMIN.password }),
        });
        const { token } = (await res.json()) as { token: string };
        jwts.push(token);
        const key = await fetch(`${gateway}/v2/api-keys`, {
          method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `bench ${email}`, scopes: ['admin'] }),
        });
        apiKeys.push(((await key.json()) as { data: { key: string } }).data.key);
      }
      return { jwts, apiKeys };
    } finally {
      await users.close();
    }
  };

  const close = async () => {
    for (const proc of Object.values(procs)) await proc.kill('SIGTERM');
    await proxy.close();
    await receiver.close();
    postgres.destroy();
    redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Interrupted (Ctrl-C, `timeout`): the processes and servers go too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void close().finally(() => process.exit(130)));
  return {
    gateway, apiUrl, authUrl, procs, postgres, redis, proxy, receiver, metricsToken, signIn, apiKey, jwt,
    credentials, close,
  };
}
