import { hash } from 'node:crypto';

/**
 * SHA-256 of a credential, base64url: the key under which a token or key is cached or stored, so
 * the credential itself is kept nowhere. One-shot `crypto.hash` (no Hash object per call); the
 * gateway computes one per request.
 */
export function sha256(value: string): string {
  return hash('sha256', value, 'base64url');
}
