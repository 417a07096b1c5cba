import { AppError } from '../shared/errors.js';
import type { Caller } from './caller.js';
import { principalOf } from './rate-policies.js';

/**
 * A cap on one principal's API requests in flight at once in this process. The rate limits count
 * requests per window, not how long each one holds an upstream connection: without this, one
 * client sending slow requests (heavy lists, a slow upstream) could hold every connection of the
 * bounded pool (GATEWAY_UPSTREAM_CONNECTIONS) and queue everyone else behind it. Found by the
 * abuse benchmark (bench/abuse.ts). Live streams have their own pool and are not counted.
 */
export interface InFlightLimit {
  /**
   * Counts one request of the caller's principal and returns the principal's key for `leave`;
   * throws 429 `rate_limited` when the principal is at the cap.
   */
  enter(caller: Caller): string;
  /**
   * The request no longer holds the upstream: its answer was written whole, it failed, or the
   * client went away (exchange.ts calls it once, on whichever comes first). Counting until the
   * response's 'close' instead, which node emits only after the write completed, let a
   * keep-alive client's next request arrive while its previous one still counted: 64
   * connections at a cap of 64 met spurious 429s whenever the event loop lagged.
   */
  leave(principal: string): void;
  readonly size: number;
}

export function createInFlightLimit(max: number): InFlightLimit {
  const counts = new Map<string, number>();
  return {
    enter(caller) {
      const principal = principalOf(caller);
      const count = counts.get(principal) ?? 0;
      if (count >= max) {
        throw new AppError('rate_limited', `More than ${max} requests of this credential are in flight; wait for some to finish.`, {
          headers: { 'retry-after': '1' }, details: { in_flight_limit: max },
        });
      }
      counts.set(principal, count + 1);
      return principal;
    },
    leave(principal) {
      const left = (counts.get(principal) ?? 1) - 1;
      if (left === 0) counts.delete(principal);
      else counts.set(principal, left);
    },
    get size() { return counts.size; },
  };
}
