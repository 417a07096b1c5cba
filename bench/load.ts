import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Agent, Client, request, type Dispatcher } from 'undici';

// An open-loop load generator for the fault, soak and abuse benchmarks: requests start on a
// schedule (not when the previous one ends), so a stalled gateway shows as errors and in-flight
// requests rather than as a quietly lower rate. Every answer is kept with its time, status and
// `error` code; a request without an answer within `timeoutMs` counts as `client_timeout` (a hang).
// It runs in a worker thread: the benchmark's own waits (pg_ctl, redis-cli) block its main thread
// and would otherwise delay the reading of answers and count as the gateway's latency. Times are
// Date.now() milliseconds, the same in both threads.

export type Kind = 'jwt' | 'key' | 'write';

export interface Outcome {
  at: number;
  kind: Kind;
  status: number;
  /** The envelope's `error`, or the client's error code when no answer came (status 0). */
  code: string;
  ms: number;
  /** The envelope's `message`, for errors. */
  message?: string;
  /** The gateway's `x-request-id` of a 500, to find it in the processes' logs (BENCH_LOG_DIR). */
  requestId?: string;
}

export interface LoadOptions {
  gateway: string;
  /** Credentials used in turn, request by request: several keep one client from owning the load. */
  jwts: readonly string[];
  apiKeys: readonly string[];
  /** Requests per second, all kinds together. */
  rate: number;
  /** Keep-alive connections to the gateway. */
  connections: number;
  /** Share of writes (POST /v2/conversations with the JWT); the rest is split between JWT and API-key reads. */
  writeShare?: number;
  timeoutMs?: number;
  /** Most requests in flight; beyond it a scheduled request is counted as `skipped` instead of sent. */
  maxInFlight?: number;
  /** Every connection is opened and used in turn (one client each), so all of them stay open: the soak. */
  spread?: boolean;
}

export interface LoadResult {
  readonly outcomes: Outcome[];
  /** Conversation tokens of the writes the API accepted (201). */
  readonly accepted: string[];
  readonly skipped: number;
}

export interface Load {
  /** Stops sending, waits for the requests in flight, and gives every outcome. */
  stop(): Promise<LoadResult>;
}

export function startLoad(options: LoadOptions): Load {
  // The thread loads this TypeScript file itself, so it registers tsx first (Node 20 runs a
  // worker's entry before an inherited `--import` has registered its hooks).
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: options });
  let failed: Error | undefined;
  worker.on('error', (err) => (failed = err));
  return {
    stop() {
      return new Promise((resolve, reject) => {
        if (failed) return reject(failed);
        worker.once('message', (result: LoadResult) => {
          void worker.terminate();
          resolve(result);
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      });
    },
  };
}

if (!isMainThread && parentPort) {
  const load = runLoad(workerData as LoadOptions);
  parentPort.once('message', () => {
    void load.stop().then(() => parentPort!.postMessage({ outcomes: load.outcomes, accepted: load.accepted, skipped: load.skipped }));
  });
}

function runLoad(options: LoadOptions) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const settings = { keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const clients: Dispatcher[] = options.spread
    ? Array.from({ length: options.connections }, () => new Client(options.gateway, { ...settings, pipelining: 1 }))
    : [new Agent({ ...settings, connections: options.connections })];
  const outcomes: Outcome[] = [];
  const accepted: string[] = [];
  const pending = new Set<Promise<void>>();
  let skipped = 0;
  let sent = 0;
  const writeShare = options.writeShare ?? 0.1;
  const started = Date.now();

  async function one(kind: Kind): Promise<void> {
    const at = Date.now();
    const credentials = kind === 'key' ? options.apiKeys : options.jwts;
    const headers: Record<string, string> = { authorization: `Bearer ${credentials[sent % credentials.length]}` };
    try {
      const res = await request(`${options.gateway}${kind === 'key' ? '/v2/contacts?limit=1' : kind === 'write' ? '/v2/conversations' : '/v2/users/me'}`, {
        dispatcher: clients[sent % clients.length], method: kind === 'write' ? 'POST' : 'GET',
        headers: kind === 'write' ? { ...headers, 'content-type': 'application/json' } : headers, body: kind === 'write' ? '{}' : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.body.text();
      let body: { error?: string; message?: string; data?: { token?: string } } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = { error: 'not_json' };
      }
      if (kind === 'write' && res.statusCode === 201 && body.data?.token) accepted.push(body.data.token);
      const error = res.statusCode >= 400;
      outcomes.push({ at, kind, status: res.statusCode, code: error ? (body.error ?? 'none') : '', ms: Date.now() - at,
        ...(error ? { message: body.message } : {}), ...(res.statusCode === 500 ? { requestId: String(res.headers['x-request-id']) } : {}) });
    } catch (err) {
      const e = err as { code?: string; name?: string };
      const code = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' ? 'client_timeout' : (e.code ?? e.name ?? 'error');
      outcomes.push({ at, kind, status: 0, code, ms: Date.now() - at });
    }
  }

  const tick = 20;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1_000) * options.rate) - sent;
    for (let i = 0; i < due; i++) {
      sent += 1;
      if (pending.size >= (options.maxInFlight ?? 2_000)) {
        skipped += 1;
        continue;
      }
      const roll = (sent * 0.6180339887) % 1;
      const kind: Kind = roll < writeShare ? 'write' : roll < writeShare + (1 - writeShare) / 2 ? 'jwt' : 'key';
      const p = one(kind).finally(() => pending.delete(p));
      pending.add(p);
    }
  }, tick);

  return {
    outcomes,
    accepted,
    get skipped() { return skipped; },
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

/** `kind status code` → count, for the outcomes in [from, to). */
export function tally(outcomes: Outcome[], from: number, to: number, errorsOnly = false): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.at < from || o.at >= to || (errorsOnly && o.status > 0 && o.status < 400)) continue;
    const key = `${o.kind} ${o.status}${o.code ? ` ${o.code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export const isError = (o: Outcome) => o.status === 0 || o.status >= 400;

/** From `since`: the first success, and the end of the last error (after which all succeeded), in ms after `since`. */
export function recovery(outcomes: Outcome[], since: number, kinds?: Kind[]): { firstSuccessMs: number | undefined; steadyMs: number } {
  const after = outcomes.filter((o) => o.at >= since && (!kinds || kinds.includes(o.kind)));
  const first = after.find((o) => !isError(o));
  const errors = after.filter(isError);
  const lastError = errors.length === 0 ? since : Math.max(...errors.map((o) => o.at + o.ms));
  return { firstSuccessMs: first ? first.at + first.ms - since : undefined, steadyMs: Math.max(0, lastError - since) };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
