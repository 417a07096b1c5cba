import { healthOperations } from '../contract/operations/health.js';
import { implement } from './handler.js';
import { healthBody } from '../shared/health.js';

// Seed 002: the body is exactly `{ok, status, timestamp}`, not the `data` envelope.
export const healthHandlers = implement(healthOperations, {
  async check(input) {
    return { raw: healthBody(input.runtime.clock.now()) };
  },
});
