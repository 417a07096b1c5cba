import { describe, expect, it } from 'vitest';
import { conforms } from './markdown.js';

// The answer check of the docs tests, on literal cases.
describe('conforms', () => {
  const cases: [unknown, unknown, string | undefined][] = [
    [{ ok: true, data: { id: 'x', n: 2 } }, { ok: true, data: { id: '…' } }, undefined],
    [{ ok: true, data: {} }, { ok: true, data: { id: '…' } }, '$.data.id: missing'],
    [{ ok: false }, { ok: true }, '$.ok: expected true, got false'],
    [{ scopes: ['agent', 'bot'] }, { scopes: ['agent'] }, '$.scopes: expected 1 items, got 2'],
    [{ scopes: ['agent', 'bot'] }, { scopes: ['agent', '…'] }, undefined],
    [{ revoked_at: null }, { revoked_at: null }, undefined],
    [{ revoked_at: '2026-01-01' }, { revoked_at: null }, '$.revoked_at: expected null, got "2026-01-01"'],
    [{ key: 12 }, { key: 'ghk_…' }, '$.key: expected a string, got 12'],
  ];
  it.each(cases)('%j against %j', (actual, documented, difference) => {
    expect(conforms(actual, documented)).toBe(difference);
  });
});
