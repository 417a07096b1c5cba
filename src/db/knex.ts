import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import ClientPgLite from 'knex-pglite';
import type { Logger } from '../shared/logger.js';
import type { Database } from '../shared/runtime.js';
import { lockDataDir, type DirLock } from './lock.js';

export type { Knex };

export type { Database };

export type DatabaseOptions = (
  | { url: string; poolMax?: number }
  /**
   * `sharedBuffers`: the embedded server's buffer pool (Postgres `shared_buffers`, default
   * 128MB). PGlite's memory is this process's: a gateway-only process, whose reads are a few
   * small tables, runs with a small pool (docs/benchmarks.md "Gateway CPU per request and RSS").
   */
  | { dataDir: string; sharedBuffers?: string }
  /** An existing PGlite instance (tests clone a migrated template into one). */
  | { pglite: PGlite }
) & { logger?: Logger };

// knex writes its warnings to the console; route them to the structured log instead.
function knexLog(logger: Logger | undefined): Knex.Config['log'] {
  const log = logger?.child({ component: 'db' });
  return {
    warn: (message: unknown) => log?.warn({ detail: String(message) }, 'knex warning'),
    error: (message: unknown) => log?.error({ detail: String(message) }, 'knex error'),
    deprecate: (method: string, alternative: string) => log?.warn({ method, alternative }, 'knex deprecation'),
    debug: () => {},
  };
}

// `pg` returns int8 (count(*), bigserial) as strings and PGlite as numbers: parse them here, once,
// so no query module has to care. Values past 2^53 do not occur in our schema.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number.parseInt(value, 10);
    return pg.types.getTypeParser(oid, format);
  },
};

export function createDatabase(options: DatabaseOptions): Database {
  if ('url' in options) {
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: options.url, types: pgTypes, connectionTimeoutMillis: 5_000 } as Knex.PgConnectionConfig,
      pool: {
        min: 0,
        max: options.poolMax ?? 10,
        acquireTimeoutMillis: 10_000,
        createTimeoutMillis: 5_000,
      },
      acquireConnectionTimeout: 10_000,
      log: knexLog(options.logger),
    });
    return wrap(knex, 'postgres');
  }
  let lock: DirLock | undefined;
  let pglite: PGlite;
  if ('dataDir' in options) {
    lock = lockDataDir(options.dataDir);
    try {
      pglite = new PGlite(path.join(options.dataDir, 'pgdata'), options.sharedBuffers === undefined ? {} : {
        startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers}`],
      });
    } catch (err) {
      lock.release();
      throw err;
    }
  } else {
    pglite = options.pglite;
  }
  const knex = knexFactory({
    client: ClientPgLite as unknown as typeof Knex.Client,
    dialect: 'postgres',
    connection: () => ({ pglite }) as object,
    log: knexLog(options.logger),
  } as Knex.Config);
  return wrap(knex, 'pglite', async () => {
    if (!pglite.closed) await pglite.close();
    lock?.release();
  });
}

function wrap(knex: Knex, kind: Database['kind'], afterDestroy?: () => Promise<void>): Database {
  let closed = false;
  return {
    knex,
    kind,
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([knex.raw('select 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await knex.destroy();
      await afterDestroy?.();
    },
  };
}
