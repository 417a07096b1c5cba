import { AppError } from '../shared/errors.js';

/**
 * Path hygiene, before any routing (issue 5 "Routing"). A path that two parsers could read two
 * ways is refused rather than normalised: the gateway authorises one operation, and must never
 * forward a path the upstream resolves to another. Encoded slashes, dots and backslashes,
 * dot segments, empty segments, NUL and other control bytes, and overlong targets are all 400.
 */
export interface CheckedTarget {
  /** The path exactly as received (still percent-encoded); forwarded unchanged. */
  readonly path: string;
  /** The query string without `?`, or '' */
  readonly query: string;
}

// %2F / %5C (slash, backslash), %2E (dot), %00 (NUL) and %25 (a second round of decoding).
const ambiguousEscape = /%(?:2f|5c|2e|00|25)/i;
// Literal backslash, control bytes and DEL; node's parser lets some of them through.
// eslint-disable-next-line no-control-regex -- matching control bytes is the point
const forbiddenByte = /[\\\x00-\x1f\x7f]/;
const malformedEscape = /%(?![0-9a-f]{2})/i;

export function checkTarget(rawUrl: string | undefined, maxLength: number): CheckedTarget {
  const url = rawUrl ?? '';
  if (url.length > maxLength) throw bad('The request target is too long.');
  // Origin-form only: absolute-form (`http://host/…`) and `*` are for proxies and OPTIONS *.
  if (!url.startsWith('/')) throw bad('The request target must be a path.');
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  if (forbiddenByte.test(url)) throw bad('The request target holds a forbidden character.');
  if (ambiguousEscape.test(path)) throw bad('The path holds an encoded slash, dot, backslash, NUL or percent sign.');
  if (malformedEscape.test(path)) throw bad('The path holds a malformed percent-encoding.');
  if (path.includes('//')) throw bad('The path holds an empty segment.');
  for (const segment of path.split('/')) {
    if (segment === '.' || segment === '..') throw bad('The path holds a dot segment.');
  }
  return { path, query };
}

function bad(message: string): AppError {
  return new AppError('invalid_request', message);
}
