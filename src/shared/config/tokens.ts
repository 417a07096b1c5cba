import { z } from 'zod';
import { positiveInt } from './fields.js';

/**
 * Settings of the seed-001 time-based tokens and of API keys (issue 4). Keys are
 * environment-variable names; every field carries its default and a one-line description.
 */
export const tokensFields = {
  TIME_BASED_TOKEN_TTL_SECONDS: positiveInt(24 * 3600)
    .describe('Lifetime of a `/v2/auth/token` access token (24 hours).'),
  API_KEY_MAX_LIFETIME_DAYS: positiveInt(365)
    .describe('Longest lifetime an API key may be given; a key created without `expiresAt` gets this.'),
  API_KEY_CACHE_TTL_MS: positiveInt(5_000)
    .describe('How long the gateway reuses an API-key lookup before refreshing it behind the requests (never one twice this old); revocations and role changes drop entries at once.'),
  TOKEN_API_MAX_FAILURES_PER_EMAIL_IP: positiveInt(10)
    .describe('Failed `/v2/auth/token` sign-ins for one email from one IP before that pair waits TOKEN_API_BLOCK_SECONDS.'),
  TOKEN_API_BLOCK_SECONDS: positiveInt(900).describe('How long a `/v2/auth/token` block lasts; no block is permanent.'),
  AUTH_CACHE_MAX_AGE_MS: positiveInt(500).pipe(z.number().max(1_000, 'must be at most 1000: a grant sees a deleted client or a disabled user within a second'))
    .describe('How long the auth server reuses a client, user or membership read for the token endpoints (at most 1000); changes announced on the event bus drop entries at once.'),
} as const;
