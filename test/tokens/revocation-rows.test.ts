import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { loadActiveRevocations, revoke } from '../../src/db/revocations.js';
import { createTestRuntime } from '../helpers/gatehouse.js';

// The revocations table, one row per kind and subject: a second revocation of the same subject
// keeps the later cut-off and the later expiry, whatever order the writes land in (two processes,
// two clocks): a row moved back would give tokens back to every gateway that loads it, and to
// introspection, which reads it.
describe('revocation rows', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  let runtime: OwnedRuntime;
  beforeAll(async () => {
    runtime = await createTestRuntime();
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it('keeps the later cut-off and the later expiry of two writes, in either order', async () => {
    const deps = { knex: runtime.db.knex, bus: runtime.bus };
    await revoke(deps, { kind: 'user', subject: 'rows-user-1', notBefore: now + 500, expiresAt: now + 60_000 });
    await revoke(deps, { kind: 'user', subject: 'rows-user-1', notBefore: now - 10_000, expiresAt: now + 90_000 });
    await revoke(deps, { kind: 'membership', subject: 'org-r/rows-user-2', notBefore: now - 10_000, expiresAt: now + 90_000 });
    await revoke(deps, { kind: 'membership', subject: 'org-r/rows-user-2', notBefore: now + 500, expiresAt: now + 60_000 });
    await revoke(deps, { kind: 'token', subject: 'rows-jti-1', expiresAt: now + 60_000 });
    await revoke(deps, { kind: 'token', subject: 'rows-jti-1', expiresAt: now + 30_000 });
    const rows = (await loadActiveRevocations(runtime.db.knex, now)).filter((row) => row.subject.includes('rows-'));
    expect(rows.sort((a, b) => a.subject.localeCompare(b.subject))).toEqual([
      { kind: 'membership', subject: 'org-r/rows-user-2', notBefore: now + 500, expiresAt: now + 90_000 },
      { kind: 'token', subject: 'rows-jti-1', expiresAt: now + 60_000 },
      { kind: 'user', subject: 'rows-user-1', notBefore: now + 500, expiresAt: now + 90_000 },
    ]);
  });
});
