import type { Handler } from './handler.js';
import { healthBody } from '../shared/health.js';

// Seed 002: the body is exactly `{ok, status, timestamp}`, not the `data` envelope.
export const healthHandlers: Record<string, Handler> = {
  async 'health.check'(input) {
    return { raw: healthBody(input.runtime.clock.now()) };
  },
};
