import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, apiKeyDisplayPrefix, effectiveKeyRole, generateApiKey, hashApiKey, isWellFormedApiKey } from '../../src/contract/api-key.js';
import { ROLES, type Role } from '../../src/contract/roles.js';

// The key format and the key's role, against literal answers: a key whose checksum was computed
// outside this code (node's zlib.crc32, base62), an HMAC computed by openssl, and the cascade
// table of the key's role under its creator's.

/** 32 characters of body, then the CRC-32 of the body in 6 base62 digits. */
const VALID = 'ghk_Gatehouse0Test0Key0Body0123456782LvOyo';

describe('the API-key format', () => {
  it('accepts a key whose checksum is right', () => {
    expect(isWellFormedApiKey(VALID)).toBe(true);
  });

  it.each([
    ['the checksum off by one character', 'ghk_Gatehouse0Test0Key0Body0123456782LvOyp'],
    ['one body character changed', 'ghk_Gatehouse0Test0Key0Body0123456792LvOyo'],
    ['the first body character changed', 'ghk_hatehouse0Test0Key0Body0123456782LvOyo'],
    ['another prefix', 'ghx_Gatehouse0Test0Key0Body0123456782LvOyo'],
    ['an upper-case prefix', 'GHK_Gatehouse0Test0Key0Body0123456782LvOyo'],
    ['one character short', 'ghk_Gatehouse0Test0Key0Body0123456782LvOy'],
    ['one character long', 'ghk_Gatehouse0Test0Key0Body0123456782LvOyoo'],
    ['a character outside base62', 'ghk_Gatehouse0Test0Key0Body01234567-2LvOyo'],
    ['a NUL inside', 'ghk_Gatehouse0Test0Key0Body01234567\u00002LvOyo'],
    ['a trailing newline', `${VALID}\n`],
    ['a leading space', ` ${VALID}`],
    ['empty', ''],
    ['the prefix alone', 'ghk_'],
  ])('refuses %s', (_, value) => {
    expect(isWellFormedApiKey(value)).toBe(false);
  });

  it('generates keys of the documented shape that pass their own checksum', () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    for (const key of keys) {
      expect(key).toMatch(/^ghk_[0-9A-Za-z]{38}$/);
      expect(isWellFormedApiKey(key)).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
    // Every base62 character turns up in 200 × 32 random characters (uniform sampling).
    expect(new Set(keys.flatMap((k) => [...k.slice(4, 36)])).size).toBe(62);
    expect(API_KEY_PREFIX).toBe('ghk_');
  });

  it('draws every character uniformly (bytes 248-255 are rejected, not folded onto the first eight)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) for (const c of generateApiKey().slice(4, 36)) counts.set(c, (counts.get(c) ?? 0) + 1);
    // 128,000 characters: 2,065 each when uniform (standard deviation 45). Folding 248-255 onto
    // '0'-'7' would give those 2,500 each; folding only 248 would give '0' 2,570.
    const low = [...'01234567'].reduce((sum, c) => sum + (counts.get(c) ?? 0), 0);
    expect(low).toBeLessThan(17_500);
    expect(Math.max(...counts.values())).toBeLessThan(2_300);
    expect(Math.min(...counts.values())).toBeGreaterThan(1_830);
  });

  it('shows the prefix and four characters in listings', () => {
    expect(apiKeyDisplayPrefix(VALID)).toBe('ghk_Gate');
  });

  it('stores an HMAC-SHA256 under the server secret, base64url', () => {
    // printf 'ghk_x' | openssl dgst -sha256 -hmac 'k' -binary | basenc --base64url
    expect(hashApiKey('ghk_x', Buffer.from('k'))).toBe('01i3NOS73Ah86YhY1B-6VwRaTa4Va1CVl0w_dd7EMFY');
    expect(hashApiKey('ghk_x', Buffer.from('l'))).not.toBe('01i3NOS73Ah86YhY1B-6VwRaTa4Va1CVl0w_dd7EMFY');
  });
});

describe("a key's role", () => {
  // [the key's scopes, the creator's role now, the role the key acts with]
  const table: Array<[string[], Role | undefined, Role | undefined]> = [
    [['admin'], 'admin', 'admin'],
    [['admin'], 'agent', 'agent'],
    [['admin'], 'guest', 'guest'],
    [['bot'], 'admin', 'bot'],
    [['bot'], 'agent', 'agent'],
    [['agent'], 'bot', 'agent'],
    [['guest'], 'admin', 'guest'],
    [['agent', 'admin'], 'bot', 'bot'],
    [['admin'], undefined, undefined],
    [[], 'admin', undefined],
    [['openid', 'email'], 'admin', undefined],
    [['ADMIN'], 'admin', undefined],
  ];
  it.each(table)('scopes %j under a creator who is %s: %s', (scopes, creator, expected) => {
    expect(effectiveKeyRole(scopes, creator)).toBe(expected);
  });
  it('covers every role of the creator', () => {
    expect(new Set(table.map(([, creator]) => creator))).toEqual(new Set([...ROLES, undefined]));
  });
});
