import type { ChildProcess } from 'node:child_process';

// What bench/tokens.ts and the two token servers it starts (bare-provider.ts, tokens-server.ts) share.

/** The bare provider's clients; Gatehouse registers its own and reports their ids (ids are generated there). */
export const BENCH_CLIENTS = {
  service: { id: 'bench-service', secret: 'bench-service-secret-0123456789abcdef' },
  web: { id: 'bench-web', secret: 'bench-web-secret-0123456789abcdef', redirectUri: 'http://127.0.0.1:9/callback' },
};
export const BENCH_ROLE = 'admin';
/** One PKCE verifier for every minted code (RFC 7636 §4.1: 43 characters or more). */
export const BENCH_PKCE = { verifier: 'bench-pkce-verifier-0123456789-abcdefghijklmnopqrstuvwxyz' };
export const BENCH_USER = { email: 'tokens-bench@example.test', password: 'a bench password that is long enough 42' };

export interface ServerFixtures {
  service: { id: string; secret: string };
  web: { id: string; secret: string; redirectUri: string };
  /** Gatehouse only: the user of /v2/auth/token. */
  user?: { email: string; password: string };
}

/** CPU time of the server process so far (process.cpuUsage, µs), and the SQL statements it ran. */
export interface ServerStats {
  cpuUs: number;
  queries: number;
  rssMb: number;
}

export function serverStats(queries: number): ServerStats {
  const cpu = process.cpuUsage();
  return { cpuUs: cpu.user + cpu.system, queries, rssMb: Math.round(process.memoryUsage.rss() / 1048576) };
}

let nextId = 0;

/** One request to a server child over IPC, answered by a message carrying the same id. */
export function ask<T>(child: ChildProcess, op: string, n?: number): Promise<T> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const onMessage = (message: { id?: number; value?: T }) => {
      if (message.id !== id) return;
      child.off('message', onMessage);
      resolve(message.value as T);
    };
    child.on('message', onMessage);
    child.send({ id, op, n });
  });
}
