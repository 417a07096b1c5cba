import type { Runtime } from './runtime.js';

/** Seed 002: `GET /health` → `{"ok":true,"status":"healthy","timestamp":"<ISO-8601>"}`. */
export function healthBody(now: number): { ok: true; status: 'healthy'; timestamp: string } {
  return { ok: true, status: 'healthy', timestamp: new Date(now).toISOString() };
}

export interface ReadinessReport {
  ok: boolean;
  status: 'ready' | 'unavailable';
  checks: Record<string, 'ok' | 'failed' | 'not_configured'>;
  failed?: string[];
}

/**
 * `GET /ready`: the database and Redis each answer a ping in time and the database holds every
 * migration this release knows, or the report names which did not.
 */
export async function checkReadiness(runtime: Pick<Runtime, 'db' | 'redis' | 'schema'>, timeoutMs = 1_000): Promise<ReadinessReport> {
  const [database, redis, migrations] = await Promise.all([
    runtime.db.ping(timeoutMs).then(() => 'ok' as const, () => 'failed' as const),
    runtime.redis === undefined
      ? Promise.resolve('not_configured' as const)
      : withTimeout(runtime.redis.ping(), timeoutMs).then(() => 'ok' as const, () => 'failed' as const),
    runtime.schema === undefined ? undefined : withTimeout(runtime.schema(), timeoutMs).catch(() => 'failed' as const),
  ]);
  const checks = { database, redis, ...(migrations ? { migrations } : {}) };
  const failed = Object.entries(checks).filter(([, state]) => state === 'failed').map(([name]) => name);
  return failed.length === 0
    ? { ok: true, status: 'ready', checks }
    : { ok: false, status: 'unavailable', checks, failed };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
