import type http from 'node:http';
import type { Clock } from '../shared/clock.js';
import type { Caller } from './caller.js';

/**
 * The live streams (Server-Sent Events) the gateway is passing through, held to the same rule as
 * every request for as long as they stay open (DESIGN.md "Real-time"): when a revocation arrives,
 * each stream's credential is checked again as a new request's would be, and a stream whose
 * credential is now refused is ended at once; a stream also ends when its token expires. At
 * shutdown every stream ends, so the listener can drain.
 */
export interface LiveStreams {
  /** Follows `res` until it closes. */
  add(res: http.ServerResponse, caller: Caller): void;
  /** After any revocation: ends the streams whose credential is refused now. */
  recheck(): void;
  closeAll(): void;
  readonly size: number;
}

interface Entry {
  caller: Caller;
  expiry: NodeJS.Timeout | undefined;
}

export function createLiveStreams(deps: { refuses: (caller: Caller) => boolean; clock: Clock }): LiveStreams {
  const open = new Map<http.ServerResponse, Entry>();

  const end = (res: http.ServerResponse) => {
    const entry = open.get(res);
    if (!entry) return;
    open.delete(res);
    if (entry.expiry) clearTimeout(entry.expiry);
    // The client sees the stream end and reconnects; its new request meets the refusal.
    res.end();
  };

  return {
    add(res, caller) {
      const left = caller.expiresAt === undefined ? undefined : caller.expiresAt - deps.clock.now();
      const expiry = left === undefined ? undefined : setTimeout(() => end(res), Math.max(0, left));
      expiry?.unref();
      open.set(res, { caller, expiry });
      res.once('close', () => {
        const entry = open.get(res);
        if (entry?.expiry) clearTimeout(entry.expiry);
        open.delete(res);
      });
    },
    recheck() {
      for (const [res, { caller }] of open) {
        if (deps.refuses(caller)) end(res);
      }
    },
    closeAll() {
      for (const res of [...open.keys()]) end(res);
    },
    get size() {
      return open.size;
    },
  };
}
