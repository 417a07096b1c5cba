import type { Knex } from 'knex';
import type { EventBus } from '../shared/bus.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import {
  ID_REVOCATION_KINDS, isCutoffKind, loadActiveRevocations, REVOCATION_CHANNEL,
  type CutoffRevocationKind, type IdRevocationKind, type Revocation,
} from '../db/revocations.js';

/**
 * The in-memory denylist every gateway process holds (issue 5 "Revocation"): loaded from the
 * database at start, kept current from the event bus (Redis pub/sub across processes), and
 * reloaded after the bus reconnects, since messages sent while it was down are lost. Lookups are
 * map reads; entries are dropped once nothing they name can still be valid.
 */
export interface RevocationList {
  isRevoked(kind: IdRevocationKind, subject: string): boolean;
  /** The "not before" (ms) of a user, membership or client cut-off, or undefined. */
  notBefore(kind: CutoffRevocationKind, subject: string): number | undefined;
  readonly size: number;
  /** Resolves once the first database load finished (or failed, logged). */
  readonly ready: Promise<void>;
  /** True once `ready` resolved: requests wait for the first load, then never again. */
  readonly loaded: boolean;
  stop(): void;
}

export function createRevocationList(deps: {
  knex: Knex;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  resyncMs: number;
  /** A revocation the list did not hold yet (from the bus or a reload): what was cached under it goes. */
  onRevoked?: (revocation: Revocation) => void;
  /** The bus reconnected: events may have been missed, so nothing cached may be trusted. */
  onEventsMissed?: () => void;
}): RevocationList {
  const entries = new Map<string, { expiresAt: number; notBefore?: number }>();
  const keyOf = (kind: Revocation['kind'], subject: string) => `${kind}\u0000${subject}`;

  function apply(revocation: Revocation): void {
    const key = keyOf(revocation.kind, revocation.subject);
    const previous = entries.get(key);
    const expiresAt = Math.max(previous?.expiresAt ?? 0, revocation.expiresAt);
    // A cut-off only ever moves later: a reload that read the row before a newer cut-off was
    // written, or a message delivered late, must not give back the tokens it already refused.
    const notBefore = 'notBefore' in revocation ? Math.max(previous?.notBefore ?? revocation.notBefore, revocation.notBefore) : undefined;
    entries.set(key, notBefore !== undefined ? { expiresAt, notBefore } : { expiresAt });
    // The periodic reload brings every live revocation again; one already held was announced
    // when it came, and announcing it again would only empty caches for nothing.
    if (previous && previous.expiresAt === expiresAt && previous.notBefore === notBefore) return;
    deps.onRevoked?.(revocation);
  }

  async function load(): Promise<void> {
    try {
      const rows = await loadActiveRevocations(deps.knex, deps.clock.now());
      for (const row of rows) apply(row);
    } catch (err) {
      deps.logger.error({ err }, 'could not load the revocation list; retrying on the next bus reconnect');
    }
  }

  const unsubscribe = deps.bus.subscribe(REVOCATION_CHANNEL, (message) => {
    if (isRevocation(message)) apply(message);
    else deps.logger.warn('ignored a malformed revocation event');
  });
  const offReconnect = deps.bus.onReconnect(() => {
    deps.onEventsMissed?.();
    void load();
  });
  // Pub/sub is at most once: a periodic reload bounds how long a lost message can go unnoticed.
  const sweep = setInterval(() => {
    const now = deps.clock.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
    void load();
  }, deps.resyncMs);
  sweep.unref();

  function live(kind: Revocation['kind'], subject: string) {
    const entry = entries.get(keyOf(kind, subject));
    return entry && entry.expiresAt > deps.clock.now() ? entry : undefined;
  }

  let loaded = false;
  const ready = load().finally(() => {
    loaded = true;
  });
  return {
    ready,
    get loaded() {
      return loaded;
    },
    isRevoked: (kind, subject) => live(kind, subject) !== undefined,
    notBefore: (kind, subject) => live(kind, subject)?.notBefore,
    get size() {
      return entries.size;
    },
    stop() {
      unsubscribe();
      offReconnect();
      clearInterval(sweep);
    },
  };
}

function isRevocation(value: unknown): value is Revocation {
  const v = value as Partial<Record<string, unknown>> | null;
  if (!v || typeof v.subject !== 'string' || typeof v.expiresAt !== 'number') return false;
  if (typeof v.kind !== 'string') return false;
  if (isCutoffKind(v.kind)) return typeof v.notBefore === 'number';
  return (ID_REVOCATION_KINDS as readonly string[]).includes(v.kind);
}
