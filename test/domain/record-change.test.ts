import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { insertOrganization } from '../../src/db/accounts.js';
import { recordChange, type Actor } from '../../src/domain/record-change.js';
import { createTestRuntime } from '../helpers/runtime.js';

// The one write path: a change's audit row and outbox events commit with it, or not at all.
describe('recordChange', () => {
  let runtime: OwnedRuntime;
  let actor: Actor;
  beforeAll(async () => {
    runtime = await createTestRuntime();
    const organization = await insertOrganization(runtime.db.knex, { name: 'Write path' });
    actor = { identity: { sub: 'user-1', org: organization.id, kind: 'user' }, requestId: 'req-1' };
  });
  afterAll(() => runtime.close());

  const rowsOf = async (resourceId: string) => ({
    audit: await runtime.db.knex('audit_events').where({ resource_id: resourceId }).select('action', 'actor_id', 'actor_kind', 'request_id', 'changes'),
    outbox: await runtime.db.knex('outbox_events').where({ resource_id: resourceId }).orderBy('type').select('type', 'actor_type', 'actor_id', 'data', 'changes', 'dispatched_at'),
  });

  it('writes the audit row and one outbox row per event, in the transaction of the change', async () => {
    await runtime.db.knex.transaction((trx) => recordChange(trx, actor, {
      action: 'tickets.update', resourceType: 'ticket', resourceId: 'ticket-1', changes: { status: 'open' },
      events: [{ type: 'ticket.updated', data: { id: 'ticket-1', status: 'open' } }, { type: 'ticket.status_changed', data: { id: 'ticket-1', status: 'open' } }],
    }));
    expect(await rowsOf('ticket-1')).toEqual({
      audit: [{ action: 'tickets.update', actor_id: 'user-1', actor_kind: 'user', request_id: 'req-1', changes: { status: 'open' } }],
      outbox: [
        { type: 'ticket.status_changed', actor_type: 'user', actor_id: 'user-1', data: { id: 'ticket-1', status: 'open' }, changes: { status: 'open' }, dispatched_at: null },
        { type: 'ticket.updated', actor_type: 'user', actor_id: 'user-1', data: { id: 'ticket-1', status: 'open' }, changes: { status: 'open' }, dispatched_at: null },
      ],
    });
  });

  it('leaves neither row when the transaction aborts after it', async () => {
    const failed = await runtime.db.knex.transaction(async (trx) => {
      await recordChange(trx, actor, { action: 'tickets.create', resourceType: 'ticket', resourceId: 'ticket-2', events: [{ type: 'ticket.created', data: { id: 'ticket-2' } }] });
      throw new Error('the change failed after it was recorded');
    }).catch((err: unknown) => err);
    expect((failed as Error).message).toBe('the change failed after it was recorded');
    expect(await rowsOf('ticket-2')).toEqual({ audit: [], outbox: [] });
  });

  it('writes no outbox row for a change without events', async () => {
    await runtime.db.knex.transaction((trx) => recordChange(trx, actor, { action: 'contacts.create', resourceType: 'contact', resourceId: 'contact-1' }));
    const rows = await rowsOf('contact-1');
    expect([rows.audit.length, rows.outbox.length]).toEqual([1, 0]);
  });
});
