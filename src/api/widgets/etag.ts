import { hash } from 'node:crypto';

/**
 * A strong validator (RFC 9110 §8.8.3) of the exact bytes served: the SHA-256 of the JSON body,
 * which is what koa writes for it. Any change of the widget, its cards or tabs changes it; nothing
 * else (no timestamp of the request) does, so every process computes the same tag.
 */
export function strongEtag(body: unknown): string {
  return `"${hash('sha256', JSON.stringify(body), 'base64url')}"`;
}

/**
 * `If-None-Match` (RFC 9110 §13.1.2): `*`, or a comma-separated list of entity tags compared
 * weakly (`W/"x"` matches `"x"`). A malformed header matches nothing, so the full answer is sent.
 */
export function noneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  for (const match of value.matchAll(/(?:W\/)?("[^"]*")/g)) {
    if (match[1] === opaque) return true;
  }
  return false;
}
