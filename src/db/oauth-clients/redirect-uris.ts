import type { ClientType } from './client-types.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
// Schemes that run code or read local data where a browser lands: never a redirect target.
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/**
 * Why `uri` cannot be registered for a client of `type`, or undefined when it can (issue 3):
 * absolute, no fragment, no userinfo, no script schemes; plain http only for loopback hosts, and
 * for non-native clients only while the server itself runs on http (local development);
 * private-use schemes (`com.example.app:/cb`, RFC 8252 §7.1) only for native apps.
 * Matching at authorization time is exact string comparison (the provider's).
 */
export function redirectUriProblem(uri: string, type: ClientType, publicUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URI`;
  }
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `"${uri}" uses the forbidden ${url.protocol.slice(0, -1)} scheme`;
  if (uri.includes('#')) return `"${uri}" must not contain a fragment`;
  if (url.username || url.password) return `"${uri}" must not contain user information`;
  if (url.protocol === 'https:') {
    if (type === 'native' && LOOPBACK_HOSTS.has(url.hostname)) return `"${uri}": native apps use http:// for loopback redirects (RFC 8252 §7.3)`;
    return undefined;
  }
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname)) return `"${uri}": plain http is only allowed for loopback hosts (127.0.0.1, [::1], localhost)`;
    if (type !== 'native' && new URL(publicUrl).protocol === 'https:') {
      return `"${uri}": plain http redirects are only allowed for native apps, or while PUBLIC_URL is itself http`;
    }
    return undefined;
  }
  if (type !== 'native') return `"${uri}" must be an https URI`;
  if (!url.protocol.slice(0, -1).includes('.')) return `"${uri}": a private-use scheme must be a reverse domain name, such as com.example.app (RFC 8252 §7.1)`;
  return undefined;
}
