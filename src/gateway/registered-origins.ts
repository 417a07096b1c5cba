import type { Knex } from 'knex';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { OriginSource, WidgetOrigins } from './cors.js';

/**
 * The browser origins registered on OAuth clients (`oauth_clients.allowed_origins`, issue 3) and
 * on chat widgets (`widgets.allowed_origins`, issue 10), as the gateway's CORS origin source.
 * Held in memory and reloaded every `refreshMs`; an origin not in the set triggers one reload at
 * most every `missCooldownMs`, so a newly registered SPA or widget works within seconds while
 * unknown origins cannot make the gateway query the database per request.
 */
export function createRegisteredOrigins(deps: { knex: Knex; clock: Clock; logger: Logger; refreshMs?: number; missCooldownMs?: number }): OriginSource & { widgets: WidgetOrigins; stop(): void } {
  const refreshMs = deps.refreshMs ?? 30_000;
  const missCooldownMs = deps.missCooldownMs ?? 5_000;
  let origins = new Set<string>();
  /** origin → client tokens of the widgets that allow it */
  let widgetOrigins = new Map<string, Set<string>>();
  let loadedAt = -Infinity;
  let inflight: Promise<void> | undefined;

  function reload(): Promise<void> {
    inflight ??= (async () => {
      try {
        const rows: Array<{ allowed_origins: unknown }> = await deps.knex('oauth_clients').select('allowed_origins');
        const next = new Set<string>();
        for (const row of rows) for (const origin of originsOf(row.allowed_origins)) next.add(origin);
        const widgets: Array<{ client_token: string; allowed_origins: unknown }> = await deps.knex('widgets').select('client_token', 'allowed_origins');
        const nextWidgets = new Map<string, Set<string>>();
        for (const row of widgets) {
          for (const origin of originsOf(row.allowed_origins)) {
            let tokens = nextWidgets.get(origin);
            if (!tokens) nextWidgets.set(origin, (tokens = new Set()));
            tokens.add(row.client_token);
          }
        }
        origins = next;
        widgetOrigins = nextWidgets;
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

  /** `found()` now, or after one reload when it is a miss and the cooldown has passed. */
  async function lookup(found: () => boolean): Promise<boolean> {
    if (found()) return true;
    if (deps.clock.now() - loadedAt < missCooldownMs) return false;
    await reload();
    return found();
  }

  const source = (origin: string): Promise<boolean> => lookup(() => origins.has(origin));
  const widgets: WidgetOrigins = {
    anyWidget: (origin) => lookup(() => widgetOrigins.has(origin)),
    ofWidget: (origin, clientToken) => lookup(() => widgetOrigins.get(origin)?.has(clientToken) === true),
  };
  return Object.assign(source, { widgets, stop: () => clearInterval(timer) });
}

function originsOf(value: unknown): string[] {
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(list) ? list.filter((origin): origin is string => typeof origin === 'string') : [];
}
