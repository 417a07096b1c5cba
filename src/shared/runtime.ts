import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Knex } from 'knex';
import type { Registry } from 'prom-client';
import type { EventBus } from './bus.js';
import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import type { Logger } from './logger.js';
import type { Redis } from './redis.js';
import type { Secrets } from './secrets.js';

/** The database as components see it; `src/db/knex.ts` builds it on Postgres or PGlite. */
export interface Database {
  readonly knex: Knex;
  readonly kind: 'postgres' | 'pglite';
  /** Round trip to the server; throws when the database cannot answer in time. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Everything a component is given by the composition root (`src/cli/start.ts`). Nothing in
 * Gatehouse reaches for a module-level singleton instead, so tests build components on their
 * own database, bus and clock.
 */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly bus: EventBus;
  /** Present when REDIS_URL is set; components fall back to in-process state otherwise. */
  readonly redis: Redis | undefined;
  readonly secrets: Secrets;
  readonly clock: Clock;
  readonly metrics: Registry;
  /** Whether every migration this release knows is applied (`/ready` waits for it during an upgrade). */
  readonly schema?: () => Promise<'ok' | 'failed'>;
}

/** A component the root serves on its own listener and stops on shutdown. */
export interface Component {
  readonly name: 'gateway' | 'auth' | 'api' | 'worker' | 'mail';
  readonly listener?: http.RequestListener;
  /** Requests with `Expect: 100-continue`; without it node sends `100 Continue` at once. */
  readonly onCheckContinue?: http.RequestListener;
  readonly onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Ends long-lived responses (event streams) at shutdown, before the listener drains. */
  readonly drain?: () => void;
  /** Called after the listener is closed and in-flight requests have drained. */
  stop(): Promise<void>;
}
