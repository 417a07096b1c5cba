import { visitorOperations } from '../../contract/operations/visitors.js';
import { recordChange } from '../../domain/record-change.js';
import { cutOffVisitor } from '../../domain/visitor-sessions.js';
import { callerOf, implement } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { mergeContext } from './context.js';
import { presentVisitor } from './present.js';
import { eraseVisitor, findVisitor, listVisitors, storeContext } from './queries.js';

// Seed 002 "Visitors". Agents reach every visitor of their organization; a visitor session
// reaches only itself, which the participant rule of the contract row enforces before any of
// this runs (pipeline/enforce-access.ts): another visitor's token is not_found.

export const visitorHandlers = implement(visitorOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    const page = await listVisitors(input.knex, identity.org, input.query);
    return { data: page.rows.map(presentVisitor), next_cursor: page.nextCursor };
  },

  async fetch(input) {
    const { identity } = callerOf(input);
    const row = await findVisitor(input.knex, identity.org, input.params.token);
    if (!row) throw notFound('visitor');
    return { data: presentVisitor(row) };
  },

  async updateContext(input) {
    const caller = callerOf(input);
    return input.knex.transaction(async (trx) => {
      const row = await findVisitor(trx, caller.identity.org, input.params.token, true);
      if (!row) throw notFound('visitor');
      const { context, dropped, keys } = mergeContext(row.context, input.body.context);
      await storeContext(trx, row.id, context);
      // The audit trail outlives the visitor (deleting it cannot erase audit rows): it records
      // which keys were set and which geolocation keys were dropped, never their values.
      await recordChange(trx, caller, {
        action: 'visitors.updateContext', resourceType: 'visitor', resourceId: row.id, changes: { context_keys: keys, dropped },
      });
      const updated = (await findVisitor(trx, caller.identity.org, row.token))!;
      return { data: { ...presentVisitor(updated), dropped } };
    });
  },

  async delete(input) {
    const caller = callerOf(input);
    const { token } = input.params;
    const visitorId = await input.knex.transaction(async (trx) => {
      const row = await findVisitor(trx, caller.identity.org, token, true);
      if (!row) throw notFound('visitor');
      const erased = await eraseVisitor(trx, caller.identity.org, row.id);
      await recordChange(trx, caller, {
        action: 'visitors.delete', resourceType: 'visitor', resourceId: row.id,
        changes: { token, erased_messages: erased.messages, unlinked_conversations: erased.conversations },
      });
      return row.id;
    });
    // After the commit: every gateway refuses the deleted visitor's tokens (and ends its streams).
    const { runtime } = input;
    await cutOffVisitor({ knex: input.knex, bus: runtime.bus, clock: runtime.clock, config: runtime.config }, visitorId);
    return { data: { token, deleted: true as const } };
  },
});
