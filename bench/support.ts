import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../test/helpers/net.js';

// What the benchmarks share (bench/run.ts, bench/chat.ts): waiting for a process to listen,
// stopping it, a throwaway Redis and a scratch Postgres database.

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

export function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** BENCH_REDIS_URL, or a throwaway redis-server on a free port with its files in `work`. */
export async function startRedis(work: string): Promise<{ url: string; stop(): void }> {
  if (process.env.BENCH_REDIS_URL) return { url: process.env.BENCH_REDIS_URL, stop() {} };
  const port = await freePort();
  const pidfile = path.join(work, 'redis.pid');
  execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', pidfile, '--dir', work]);
  for (let i = 0; i < 50 && !existsSync(pidfile); i++) await new Promise((r) => setTimeout(r, 50));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop() {
      try {
        process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGTERM');
      } catch {
        // gone
      }
    },
  };
}

/** A database created for this run on BENCH_DATABASE_URL or TEST_DATABASE_URL's server, dropped after; none without one. */
export async function scratchDatabase(label = 'bench'): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!base) return { url: undefined, async drop() {} };
  const name = `gatehouse_${label}_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await client.end();
    },
  };
}

/** Runs a benchmark's main, a failure ending the process with code 1, and always cleans up after. */
export function runBench(main: () => Promise<void>, cleanup: () => Promise<void>): void {
  main()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(cleanup);
}
