import { z } from 'zod';
import { flag, positiveInt } from './fields.js';

/**
 * Settings of the auth component. Keys are environment-variable names; every field carries its
 * default and a one-line description (README's configuration table is generated from these).
 */
export const authFields = {
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(3600)
    .describe('Lifetime of access tokens from the token endpoint (code, refresh, client credentials).'),
  IMPLICIT_ACCESS_TOKEN_TTL_SECONDS: positiveInt(900).pipe(z.number().max(900, 'must be at most 900 (15 minutes)'))
    .describe('Lifetime of implicit-grant access tokens (short-lived by design); at most 900.'),
  ID_TOKEN_TTL_SECONDS: positiveInt(3600).describe('Lifetime of ID tokens.'),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 3600)
    .describe('Lifetime of a refresh token; each rotation issues a new one with this lifetime.'),
  AUTHORIZATION_CODE_TTL_SECONDS: positiveInt(60).describe('Lifetime of an authorization code.'),
  SESSION_TTL_SECONDS: positiveInt(14 * 24 * 3600).describe('Lifetime of a login session at the authorization server.'),
  INTERACTION_TTL_SECONDS: positiveInt(3600).describe('Time a user has to finish login and consent.'),
  GRANT_TTL_SECONDS: positiveInt(365 * 24 * 3600).describe('How long a consent (grant) is remembered.'),
  PKCE_REQUIRED_FOR_CONFIDENTIAL_CLIENTS: flag(true)
    .describe('Require PKCE (S256) from confidential `web` clients too; public clients always need it.'),
  LOGIN_MAX_FAILURES_PER_EMAIL_IP: positiveInt(5)
    .describe('Consecutive failed logins for one email from one IP before that pair is blocked.'),
  LOGIN_MAX_ATTEMPTS_PER_IP: positiveInt(100).describe('Login attempts per IP per LOGIN_BLOCK_SECONDS.'),
  LOGIN_BLOCK_SECONDS: positiveInt(900).describe('How long a login block lasts; no block is permanent.'),
  SIGNING_KEY_REFRESH_SECONDS: positiveInt(30)
    .describe('How often a running auth server looks for a rotated signing key (rotation is also announced on the bus).'),
  OIDC_SWEEP_INTERVAL_SECONDS: positiveInt(300).describe('How often expired OIDC rows (codes, sessions, tokens) are deleted.'),
} as const;
