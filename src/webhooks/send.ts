import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { AddressRefused, isAllowedHost, refusalOf } from './address-policy.js';

/** Resolves a name to its addresses; tests pass one that answers what they need. */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface SendOptions {
  timeoutMs: number;
  allowedHosts: readonly string[];
  resolve: Resolve;
  /** Aborts the attempt (the worker stopping). */
  signal?: AbortSignal;
}

export type SendResult =
  | { kind: 'answered'; status: number; body: string; retryAfter: string | undefined }
  | { kind: 'refused'; error: string }
  | { kind: 'failed'; error: string };

/** The answer's first bytes kept for the delivery log (issue 11). */
export const LOGGED_BODY_BYTES = 1_024;
/** More than this of an answer is not read: the connection is dropped instead. */
const READ_LIMIT = 64 * 1_024;

// Kept-alive connections per host: a socket is checked once, when it connects, and then only
// ever talks to that checked address, so reuse cannot be rebound elsewhere.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * One POST of a webhook, following no redirect, within `timeoutMs` for the whole answer. The
 * address is checked where the connection is made: the lookup hands the socket only addresses
 * that passed, an IP literal is checked before anything connects, and the peer is checked again
 * once connected; hosts the operator allowed skip the checks.
 */
export function sendWebhook(target: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve({ kind: 'refused', error: 'refused: the URL is not valid' });
  }
  const exempt = isAllowedHost(url, options.allowedHosts);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && exempt)) {
    return Promise.resolve({ kind: 'refused', error: `refused ${host}: only https is allowed (http only for the operator's WEBHOOK_ALLOWED_HOSTS)` });
  }
  if (!exempt) {
    const literal = refusalOf(host);
    if (literal !== undefined && literal !== 'not an IP address') return Promise.resolve({ kind: 'refused', error: new AddressRefused(host, host, literal).message });
  }

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const fail = (err: unknown) => {
      if (err instanceof AddressRefused) finish({ kind: 'refused', error: err.message });
      else finish({ kind: 'failed', error: describe(err) });
    };
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: agents[url.protocol as 'http:' | 'https:'],
      ...(exempt ? {} : { lookup: guardedLookup(options.resolve) }),
    });
    const timer = setTimeout(() => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    const onAbort = () => request.destroy(new Error('the worker stopped'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (!exempt) request.on('socket', (socket: Socket) => {
      if (socket.connecting) socket.once('connect', () => checkPeer(socket, host));
    });
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let read = 0;
      const done = () => finish({
        kind: 'answered', status: response.statusCode ?? 0,
        body: Buffer.concat(chunks).subarray(0, LOGGED_BODY_BYTES).toString('utf8'),
        retryAfter: response.headers['retry-after'],
      });
      response.on('data', (chunk: Buffer) => {
        if (read < LOGGED_BODY_BYTES) chunks.push(chunk);
        read += chunk.length;
        if (read > READ_LIMIT) {
          done();
          response.destroy();
        }
      });
      response.on('end', done);
      response.on('error', fail);
    });
    request.end(body);
  });
}

/** `lookup` for the socket: resolves, keeps only addresses that may be reached, refuses if none. */
function guardedLookup(resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then((addresses) => {
      const allowed = addresses.filter((entry) => refusalOf(entry.address) === undefined);
      if (allowed.length === 0) {
        const first = addresses[0];
        const reason = first ? refusalOf(first.address)! : 'the name has no address';
        throw new AddressRefused(hostname, first?.address, reason);
      }
      if (options.all) (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, allowed);
      else callback(null, allowed[0]!.address, allowed[0]!.family);
    }).catch((err: unknown) => callback(err as NodeJS.ErrnoException, '', 0));
  };
}

/** The connected peer, checked again: nothing reaches a refused address whatever resolved. */
function checkPeer(socket: Socket, host: string): void {
  const peer = socket.remoteAddress;
  const reason = peer === undefined ? 'no peer address' : refusalOf(peer);
  if (reason !== undefined) socket.destroy(new AddressRefused(host, peer, reason));
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
