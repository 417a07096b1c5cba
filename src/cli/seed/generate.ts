import type { Knex } from 'knex';
import { generateConversations } from './conversations.js';
import { CONVERSATIONS_PER_VISITOR, createCast } from './people.js';
import { Random } from './random.js';
import { generateTickets } from './tickets.js';

export interface SeedOptions {
  organizations: number;
  /** In all, spread evenly over the organizations (the first ones take the remainder). */
  conversations: number;
  messagesPerConversation: number;
  tickets: number;
  seed: string;
  /** The history ends here and reaches 90 days back. */
  end: Date;
}

export interface SeedCounts {
  organizations: number;
  conversations: number;
  messages: number;
  tickets: number;
}

const share = (total: number, parts: number, index: number) => Math.floor(total / parts) + (index < total % parts ? 1 : 0);

/**
 * Fills the database with a reproducible history, in one transaction: the same options write the
 * same rows. Straight SQL, not the API: no audit rows and no outbox events for made-up history.
 */
export async function generateHistory(knex: Knex, options: SeedOptions, progress: (line: string) => void = () => {}): Promise<SeedCounts> {
  const random = new Random(options.seed);
  await knex.transaction(async (trx) => {
    for (let index = 0; index < options.organizations; index++) {
      const conversations = share(options.conversations, options.organizations, index);
      const visitors = Math.max(1, Math.ceil(conversations / CONVERSATIONS_PER_VISITOR));
      const cast = await createCast(trx, random, index, options.seed, visitors, options.end);
      const ids = await generateConversations(trx, random, cast, conversations, options.messagesPerConversation, options.end);
      await generateTickets(trx, random, cast, share(options.tickets, options.organizations, index), ids, options.end);
      progress(`organization ${index + 1}/${options.organizations} (${cast.organizationId}): ${conversations} conversations`);
    }
  });
  return {
    organizations: options.organizations, conversations: options.conversations,
    messages: options.conversations * options.messagesPerConversation, tickets: options.tickets,
  };
}
