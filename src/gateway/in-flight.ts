import type http from 'node:http';
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
  /** Counts the request until `res` closes; throws 429 `rate_limited` when the principal is at the cap. */
  enter(caller: Caller, res: http.ServerResponse): void;
  readonly size: number;
}

export function createInFlightLimit(max: number): InFlightLimit {
  const counts = new Map<string, number>();
  return {
    enter(caller, res) {
      const principal = principalOf(caller);
      const count = counts.get(principal) ?? 0;
      if (count >= max) {
        throw new AppError('rate_limited', `More than ${max} requests of this credential are in flight; wait for some to finish.`, {
          headers: { 'retry-after': '1' }, details: { in_flight_limit: max },
        });
      }
      counts.set(principal, count + 1);
      res.once('close', () => {
        const left = (counts.get(principal) ?? 1) - 1;
        if (left === 0) counts.delete(principal);
        else counts.set(principal, left);
      });
    },
    get size() { return counts.size; },
  };
}
