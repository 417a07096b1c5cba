import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

// Private Postgres and Redis servers that a test may stop, kill and restart without touching the
// shared ones the rest of the suite uses. Only for `*.real.test.ts` files (postgres project).

export interface PrivateServer {
  readonly url: string;
  stop(): void;
  start(): void;
  /** Stops for good and removes the data. */
  destroy(): void;
}

function postgresBin(): string {
  if (process.env.TEST_PG_BIN) return process.env.TEST_PG_BIN;
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

const isRoot = process.getuid?.() === 0;

function asPostgres(command: string, args: string[]): void {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const result = spawnSync(file, argv, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
}

export async function startPrivatePostgres(): Promise<PrivateServer> {
  const bin = postgresBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, uid);
    chmodSync(dir, 0o700);
  }
  const port = await freePort();
  asPostgres(`${bin}/initdb`, ['-D', `${dir}/data`, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c fsync=off -c synchronous_commit=off -k ${dir}`;
  const server: PrivateServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => asPostgres(`${bin}/pg_ctl`, ['-D', `${dir}/data`, '-l', `${dir}/log`, '-w', '-o', options, 'start']),
    stop: () => asPostgres(`${bin}/pg_ctl`, ['-D', `${dir}/data`, '-m', 'immediate', '-w', 'stop']),
    destroy() {
      try {
        server.stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  server.start();
  return server;
}

export async function startPrivateRedis(): Promise<PrivateServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-redis-'));
  const port = await freePort();
  const server: PrivateServer = {
    url: `redis://127.0.0.1:${port}`,
    start() {
      execFileSync('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--daemonize', 'yes', '--pidfile', `${dir}/redis.pid`, '--dir', dir, '--logfile', `${dir}/log`,
      ]);
      for (let i = 0; i < 50; i++) {
        if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
        execFileSync('sleep', ['0.1']);
      }
      throw new Error('redis did not start');
    },
    stop() {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
    },
    destroy() {
      server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  server.start();
  return server;
}
