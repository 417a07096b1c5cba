import { createHmac, randomBytes } from 'node:crypto';
import type { Identity } from './identity.js';
import { highestRole, lowerRole, type Role } from './roles.js';

/**
 * API-key format (seed 000, 001): `ghk_` + 32 base62 characters of randomness (≈190 bits) +
 * 6 base62 characters of CRC-32 checksum over the random part. The prefix lets secret scanners
 * spot a leaked key; the checksum rejects a mistyped one without a database lookup.
 */
export const API_KEY_PREFIX = 'ghk_';
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomLength = 32;
const checksumLength = 6;
const shape = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${randomLength + checksumLength}}$`);

export function generateApiKey(): string {
  let body = '';
  // Rejection sampling keeps every character uniform (62 does not divide 256).
  while (body.length < randomLength) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && body.length < randomLength) body += alphabet[byte % 62];
    }
  }
  return API_KEY_PREFIX + body + checksum(body);
}

/** True when `value` has the key shape and a correct checksum. */
export function isWellFormedApiKey(value: string): boolean {
  if (!shape.test(value)) return false;
  const body = value.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + randomLength);
  return value.endsWith(checksum(body));
}

/** The part shown in listings so a user can tell keys apart: `ghk_AbCd`. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 4);
}

function checksum(body: string): string {
  let value = crc32(Buffer.from(body, 'ascii'));
  let out = '';
  for (let i = 0; i < checksumLength; i++) {
    out = alphabet[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * What is stored instead of the key: HMAC-SHA256 under a server secret (`api-key-hash`), so a
 * leaked table cannot be used to try keys offline. Lookups by this hash are exact-match index
 * scans; the secret itself is never compared in a timing-dependent way.
 */
export function hashApiKey(key: string, secret: Uint8Array): string {
  return createHmac('sha256', secret).update(key, 'utf8').digest('base64url');
}

/**
 * The role a key acts with: the highest role scope it was given, never more than its creator's
 * role in the organization now (seed 001 cascade; a demoted creator's keys shrink with them).
 */
export function effectiveKeyRole(scopes: readonly string[], creatorRole: Role | undefined): Role | undefined {
  const granted = highestRole(scopes);
  if (granted === undefined || creatorRole === undefined) return undefined;
  return lowerRole(granted, creatorRole);
}

/** A key's lookup: who it acts as, and until when (ms since the epoch; undefined: no expiry). */
export interface ResolvedApiKey {
  identity: Identity;
  expiresAt: number | undefined;
}

/**
 * How the gateway turns a well-formed key into an identity: one lookup at the source (the
 * database), uncached; the gateway caches the answers (gateway/api-key-cache.ts).
 */
export interface ApiKeyResolver {
  /** The key's identity and expiry, or undefined for an unknown, revoked or expired key. */
  resolve(key: string): Promise<ResolvedApiKey | undefined>;
}
