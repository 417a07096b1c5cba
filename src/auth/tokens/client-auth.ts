import { timingSafeEqual } from 'node:crypto';
import type { ClientRow } from '../../db/oauth-clients/client-rows.js';
import type { GrantLookups } from '../cache/grant-lookups.js';
import { hasSecret } from '../../db/oauth-clients/client-types.js';

export type ClientAuthResult = { ok: true; client: ClientRow; confidential: boolean } | { ok: false };

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Client authentication for the JWT branch of introspection and revocation, with the same rules
 * the provider applies elsewhere: `client_secret_basic` (or `client_secret_post`) for confidential
 * clients, `client_id` alone for public ones.
 */
export async function authenticateClient(deps: { lookups: Pick<GrantLookups, 'client'> }, authorization: string | undefined, body: Record<string, unknown>): Promise<ClientAuthResult> {
  let clientId: string | undefined;
  let secret: string | undefined;
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false };
    // RFC 6749 §2.3.1: both parts are form-urlencoded inside the Basic credentials.
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
    } catch {
      return { ok: false };
    }
  } else {
    clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
    secret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  }
  if (!clientId) return { ok: false };
  const found = await deps.lookups.client(clientId);
  if (!found) return { ok: false };
  const client = found.row;
  if (!hasSecret(client.type)) return secret === undefined ? { ok: true, client, confidential: false } : { ok: false };
  const expected = found.secret;
  if (!secret || !expected || !safeEqual(secret, expected)) return { ok: false };
  return { ok: true, client, confidential: true };
}
