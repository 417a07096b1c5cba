import type { Knex } from 'knex';
import type { Identity } from '../../contract/identity.js';
import type { ParticipantRule } from '../../contract/operation.js';

/**
 * Does `identity` take part in the row `token` names (DESIGN.md "Conversations")? A visitor takes
 * part in its own conversations and is its own visitor row; a user takes part in a conversation
 * assigned to it or that it was added to. Always within the identity's organization.
 */
export async function takesPart(knex: Knex, resource: ParticipantRule['resource'], identity: Pick<Identity, 'sub' | 'org' | 'kind'>, token: string): Promise<boolean> {
  if (resource === 'visitor') {
    if (identity.kind !== 'visitor') return false;
    return (await knex('visitors').where({ token, id: identity.sub, organization_id: identity.org }).first('id')) !== undefined;
  }
  const query = knex('conversations as c').where({ 'c.token': token, 'c.organization_id': identity.org });
  if (identity.kind === 'visitor') {
    query.where('c.visitor_id', identity.sub);
  } else {
    query.where((q) => q.where('c.assignee_id', identity.sub).orWhereExists((p) =>
      p.select(knex.raw('1')).from('conversation_participants as p').whereRaw('p.conversation_id = c.id').where('p.user_id', identity.sub)));
  }
  return (await query.first('c.id')) !== undefined;
}
