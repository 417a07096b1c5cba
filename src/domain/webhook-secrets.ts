import { randomBytes } from 'node:crypto';
import { decryptWithAny, encryptString } from '../db/oauth-clients/encryption.js';
import type { Secrets } from '../shared/secrets.js';

/**
 * Webhook signing secrets (DESIGN.md "Webhooks", Standard Webhooks): `whsec_` + base64 of 24
 * random bytes, shown to the admin once and stored sealed with a key of their own purpose; the
 * endpoint's id is the sealing context, so a secret copied into another endpoint's row does not
 * open.
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The sealing context of an endpoint's secret (a root-secret rotation re-seals with it). */
export const webhookSecretContext = (endpointId: string) => `webhook-endpoint:${endpointId}`;

export function sealWebhookSecret(secrets: Secrets, endpointId: string, secret: string): string {
  return encryptString(secrets.derive('webhook-secret-encryption'), secret, webhookSecretContext(endpointId));
}

export function openWebhookSecret(secrets: Secrets, endpointId: string, sealed: string): string {
  return decryptWithAny(secrets.accepted('webhook-secret-encryption'), sealed, webhookSecretContext(endpointId));
}
