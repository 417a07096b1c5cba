import type { Command, CommandContext } from '../command.js';
import { UsageError } from '../command.js';
import { generateHistory } from '../seed/generate.js';
import { withDatabase } from './shared.js';

function count(values: CommandContext['values'], name: string, fallback: number, max: number): number {
  const value = values[name];
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || parsed > max) throw new UsageError(`--${name} must be a whole number from 0 to ${max}`);
  return parsed;
}

export const seedCommand: Command = {
  words: ['seed'],
  summary: 'fill the database with generated, reproducible chat and helpdesk history',
  usage: 'gatehouse seed [--organizations N] [--conversations N] [--messages-per-conversation N] [--tickets N] [--seed S] [--end ISO-TIME]',
  help: [
    'Writes organizations with agents, groups, tags, widgets and visitors, then conversations with messages',
    '(text and rich content), ratings and tags spread over the 90 days before --end (default: now), and tickets',
    'with their messages and status history. The same --seed and --end write the same rows, ids included, so',
    'seed an empty database or pick another --seed. Writes straight SQL in one transaction, not through the',
    'API: no audit rows or webhook events are made for generated history.',
  ].join('\n'),
  options: {
    organizations: { type: 'string' }, conversations: { type: 'string' }, 'messages-per-conversation': { type: 'string' },
    tickets: { type: 'string' }, seed: { type: 'string' }, end: { type: 'string' },
  },
  async run({ values, out }) {
    const end = typeof values.end === 'string' ? new Date(values.end) : new Date();
    if (Number.isNaN(end.getTime())) throw new UsageError('--end must be an ISO 8601 time such as 2026-12-01T00:00:00Z');
    const organizations = count(values, 'organizations', 1, 1_000);
    if (organizations < 1) throw new UsageError('--organizations must be at least 1');
    const options = {
      organizations, conversations: count(values, 'conversations', 1_000, 10_000_000),
      messagesPerConversation: count(values, 'messages-per-conversation', 10, 1_000), tickets: count(values, 'tickets', 500, 10_000_000),
      seed: typeof values.seed === 'string' && values.seed !== '' ? values.seed : 'gatehouse', end,
    };
    const started = Date.now();
    const counts = await withDatabase((db) => generateHistory(db.knex, options, out));
    out(`seeded ${counts.organizations} organizations, ${counts.conversations} conversations, ${counts.messages} messages, ${counts.tickets} tickets in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },
};
