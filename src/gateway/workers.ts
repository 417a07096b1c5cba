import cluster from 'node:cluster';
import type { Logger } from '../shared/logger.js';

/**
 * `gatehouse start --role gateway --workers N` (issue 5 "Multi-core"): the primary process forks
 * N gateway workers sharing the public port (node:cluster hands connections out round-robin) and
 * restarts any that die. Rate limits and revocations stay correct across workers because they
 * live in Redis and on the event bus, which is why more than one worker needs REDIS_URL and
 * Postgres (PGlite serves one process). Each worker is told the process count so that its
 * Redis-down fallback allows limit ÷ N.
 */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

export async function superviseWorkers(options: { count: number; logger: Logger; processCount: number | undefined; shutdownTimeoutMs: number }): Promise<void> {
  const { count, logger } = options;
  let stopping = false;
  const env = { GATEWAY_PROCESS_COUNT: String(options.processCount ?? count) };
  const fork = () => cluster.fork(env);
  for (let i = 0; i < count; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ worker: worker.process.pid, code, signal }, 'gateway worker died; starting another');
    setTimeout(fork, 500).unref();
  });
  logger.info({ workers: count }, 'gateway workers started');
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping gateway workers');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      // A worker that has not drained by then is stopped hard, so the primary always exits.
      setTimeout(() => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      }, options.shutdownTimeoutMs + 5_000).unref();
      const check = setInterval(() => {
        if (Object.keys(cluster.workers ?? {}).length === 0) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
