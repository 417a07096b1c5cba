import { Pool } from 'undici';

// The load generator of bench/tokens.ts: `connections` loops, each one request in flight, until
// the time is up or `max` requests were sent.

export interface Reply { status: number; body: string }
export type Http = (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string) => Promise<Reply>;
/** One request of a case; throws when the answer is not the expected one (counted as an error). */
export type Step = (worker: number, http: Http) => Promise<void>;
export interface Drive { ok: number; errors: number; seconds: number; p50: number; p99: number; firstError?: string }

export function httpOf(pool: Pool): Http {
  return async (method, path, headers, body) => {
    const res = await pool.request({ method, path, headers, ...(body !== undefined ? { body } : {}) });
    return { status: res.statusCode, body: await res.body.text() };
  };
}

const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);

export async function drive(options: { url: string; connections: number; seconds: number; max?: number; step: Step }): Promise<Drive> {
  const pool = new Pool(options.url, { connections: options.connections, pipelining: 1 });
  const http = httpOf(pool);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const loop = async (worker: number) => {
    while (performance.now() < deadline && (options.max === undefined || sent < options.max)) {
      sent++;
      const t0 = performance.now();
      try {
        await options.step(worker, http);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message.slice(0, 200);
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, worker) => loop(worker)));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { ok: latencies.length, errors, seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), ...(firstError ? { firstError } : {}) };
}
