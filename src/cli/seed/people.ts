import type { Knex } from 'knex';
import { insertRows, type Random } from './random.js';

// Each generated organization's cast: agents (one of them admin) with groups and presence, a
// bot, tags, widgets and the visitors who will chat.

export const AGENTS_PER_ORGANIZATION = 12;
export const GROUP_NAMES = ['Sales', 'Support', 'Billing'] as const;
export const TAG_NAMES = ['billing', 'refund', 'shipping', 'bug', 'feature-request', 'vip'] as const;
export const WIDGETS_PER_ORGANIZATION = 2;
/** A visitor comes back: about three conversations each. */
export const CONVERSATIONS_PER_VISITOR = 3;

export interface Cast {
  organizationId: string;
  agents: string[];
  botId: string;
  groups: string[];
  /** The agents of each group, by the group's index. */
  groupAgents: string[][];
  tags: string[];
  widgets: string[];
  visitors: { id: string; widgetId: string }[];
}

const FIRST = ['Ada', 'Ben', 'Cleo', 'Dan', 'Eva', 'Finn', 'Gia', 'Hugo', 'Ines', 'Jon', 'Kai', 'Lena', 'Mia', 'Noah', 'Olga', 'Paul'];
const LAST = ['Adler', 'Berg', 'Costa', 'Dubois', 'Evans', 'Fischer', 'Garcia', 'Hansen', 'Ito', 'Jensen', 'Klein', 'Lopez'];

export async function createCast(knex: Knex, random: Random, index: number, seed: string, visitorCount: number, end: Date): Promise<Cast> {
  const organizationId = random.uuid();
  // Fixed times, not the database's now(): the same seed writes the same rows.
  const stamps = { created_at: new Date(end.getTime() - 100 * 86_400_000), updated_at: new Date(end.getTime() - 100 * 86_400_000) };
  await knex('organizations').insert({ id: organizationId, name: `Seeded organization ${index + 1} (seed ${seed})`, ...stamps });
  const agents = Array.from({ length: AGENTS_PER_ORGANIZATION }, () => random.uuid());
  const botId = random.uuid();
  const emailOf = (local: string) => `${local}.org${index + 1}.${seed}@seed.example`.toLowerCase().replace(/[^a-z0-9@.+-]/g, '-');
  await insertRows(knex, 'users', [
    ...agents.map((id, n) => ({ id, email: emailOf(`agent${n + 1}`), name: `${random.pick(FIRST)} ${random.pick(LAST)}`, is_bot: false, email_verified_at: stamps.created_at, ...stamps })),
    { id: botId, email: emailOf('bot'), name: 'Helper bot', is_bot: true, email_verified_at: stamps.created_at, ...stamps },
  ]);
  const recently = (minutes: number) => new Date(end.getTime() - random.int(0, minutes) * 60_000);
  await insertRows(knex, 'memberships', [
    ...agents.map((userId, n) => {
      const availability = random.pick(['online', 'online', 'away', 'offline'] as const);
      return { user_id: userId, organization_id: organizationId, role: n === 0 ? 'admin' : 'agent', availability, last_seen_at: recently(availability === 'offline' ? 600 : 4), ...stamps };
    }),
    { user_id: botId, organization_id: organizationId, role: 'bot', availability: 'offline', last_seen_at: null, ...stamps },
  ]);
  const groups = GROUP_NAMES.map(() => random.uuid());
  await insertRows(knex, 'organization_groups', GROUP_NAMES.map((name, n) => ({ id: groups[n], organization_id: organizationId, name, ...stamps })));
  const groupAgents = groups.map(() => [] as string[]);
  agents.forEach((agentId, n) => groupAgents[n % groups.length]!.push(agentId));
  await insertRows(knex, 'organization_group_members', groupAgents.flatMap((members, n) => members.map((userId) => ({ group_id: groups[n], user_id: userId, organization_id: organizationId, created_at: stamps.created_at }))));
  const tags = TAG_NAMES.map(() => random.uuid());
  await insertRows(knex, 'tags', TAG_NAMES.map((name, n) => ({ id: tags[n], organization_id: organizationId, name, labels: JSON.stringify({ en: name.replace('-', ' ') }), ...stamps })));
  const widgets = Array.from({ length: WIDGETS_PER_ORGANIZATION }, () => random.uuid());
  await insertRows(knex, 'widgets', widgets.map((id, n) => ({
    id, organization_id: organizationId, client_token: random.token('wgt'), name: n === 0 ? 'Website' : 'Help centre',
    allowed_origins: JSON.stringify([`https://org${index + 1}.seed.example`]), config: JSON.stringify({ locale: 'en', greeting: 'Hi! How can we help?' }), ...stamps,
  })));
  const visitors = Array.from({ length: visitorCount }, () => ({ id: random.uuid(), widgetId: random.pick(widgets) }));
  await insertRows(knex, 'visitors', visitors.map((visitor, n) => ({
    id: visitor.id, organization_id: organizationId, widget_id: visitor.widgetId, token: random.token('vis'), secret_hash: `seed:${visitor.id}`,
    name: `Visitor ${n + 1}`, email: random.chance(0.5) ? `visitor${n + 1}.org${index + 1}@visitors.example` : null,
    context: JSON.stringify({ page: random.pick(['/', '/pricing', '/checkout', '/help']) }), last_seen_at: end, ...stamps,
  })));
  return { organizationId, agents, botId, groups, groupAgents, tags, widgets, visitors };
}
