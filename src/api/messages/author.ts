import type { Knex } from 'knex';
import type { Identity } from '../../contract/identity.js';
import { authorFacts, type AuthorType } from './queries.js';

export interface Author {
  type: AuthorType;
  /** A visitor's or user's id, or a service client's id. */
  id: string;
}

/**
 * Who a message is from (DESIGN.md "Messages"), decided from the caller alone, never from the
 * request body:
 * - a visitor session → `visitor`;
 * - a service client (client credentials) → `bot`: no person is behind it;
 * - a user flagged `is_bot` (seed 001's bots, by token or by API key) → `bot`;
 * - an API key of a member whose role in the organization is `bot`, or an API key whose scope is
 *   `bot` (an admin's key for the bot it runs) → `bot`: automation acting with a bot's rights,
 *   even if the account is a person's;
 * - every other user or API key, whatever its role (a guest participant included) → `agent`.
 * `system` is never a caller: the platform writes those itself.
 */
export async function authorOf(knex: Knex, identity: Pick<Identity, 'kind' | 'sub' | 'org' | 'role'>): Promise<Author> {
  switch (identity.kind) {
    case 'visitor':
      return { type: 'visitor', id: identity.sub };
    case 'client':
      return { type: 'bot', id: identity.sub };
    case 'user':
    case 'api_key': {
      const facts = await authorFacts(knex, identity.org, identity.sub);
      const bot = facts?.is_bot === true || (identity.kind === 'api_key' && (facts?.role === 'bot' || identity.role === 'bot'));
      return { type: bot ? 'bot' : 'agent', id: identity.sub };
    }
  }
}
