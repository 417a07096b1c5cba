import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signatures (DESIGN.md "Webhooks"): `v1,` + base64 HMAC-SHA256 of
 * `id.timestamp.body`, keyed with the base64 part of `whsec_…`. During a rotation's overlap both
 * secrets sign, space-separated, so a receiver holding either verifies.
 */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return secrets.map((secret) => `v1,${createHmac('sha256', keyOf(secret)).update(content).digest('base64')}`).join(' ');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}
