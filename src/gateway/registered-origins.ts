import type { Knex } from 'knex';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { OriginSource } from './cors.js';

/**
 * The browser origins registered on OAuth clients (`oauth_clients.allowed_origins`, issue 3), as
 * the gateway's CORS origin source. Held in memory and reloaded every `refreshMs`; an origin not
 * in the set triggers one reload at most every `missCooldownMs`, so a newly registered SPA works
 * within seconds while unknown origins cannot make the gateway query the database per request.
 */
export function createRegisteredOrigins(deps: { knex: Knex; clock: Clock; logger: Logger; refreshMs?: number; missCooldownMs?: number }): OriginSource & { stop(): void } {
  const refreshMs = deps.refreshMs ?? 30_000;
  const missCooldownMs = deps.missCooldownMs ?? 5_000;
  let origins = new Set<string>();
  let loadedAt = -Infinity;
  let inflight: Promise<void> | undefined;

  function reload(): Promise<void> {
    inflight ??= (async () => {
      try {
        const rows: Array<{ allowed_origins: unknown }> = await deps.knex('oauth_clients').select('allowed_origins');
        const next = new Set<string>();
        for (const row of rows) {
          const list = typeof row.allowed_origins === 'string' ? (JSON.parse(row.allowed_origins) as unknown) : row.allowed_origins;
          if (Array.isArray(list)) for (const origin of list) if (typeof origin === 'string') next.add(origin);
        }
        origins = next;
      } catch (err) {
        deps.logger.warn({ err }, 'could not load the registered CORS origins; keeping the last set');
      } finally {
        loadedAt = deps.clock.now();
        inflight = undefined;
      }
    })();
    return inflight;
  }

  const timer = setInterval(() => void reload(), refreshMs);
  timer.unref();

  const source = async (origin: string): Promise<boolean> => {
    if (origins.has(origin)) return true;
    if (deps.clock.now() - loadedAt < missCooldownMs) return false;
    await reload();
    return origins.has(origin);
  };
  return Object.assign(source, { stop: () => clearInterval(timer) });
}
