import type { Role } from '../../src/contract/roles.js';

/**
 * Seed 001's permission table, copied verbatim (columns Guest, Agent, Bot, Admin). The contract
 * must agree with every row; a change that breaks the seed fails the matrix test.
 */
export const SEED_001_TABLE = `
List organizations - - + +
List organization groups - - + +
List users - - + +
List conversations - + + +
List messages - - + +
List contacts - + + +
List knowledge items - + + +
List forms - - + +
List services - - - +
Fetch organization - - + +
Fetch organizationGroup - - + +
Fetch user details (self) + + + +
Fetch user details - - + +
Fetch conversations details + + + +
Fetch message - - + +
Fetch contact - - + +
Fetch knowledge item - + + +
Fetch form - - - +
Fetch service - - - +
Create organization - - - +
Create organizationGroup - - - +
Create user - - - +
Create conversation - + + +
Create message + + + +
Create contact - - + +
Create knowledge item - + + +
Create form - - + +
Create service - - - +
Update organization - - - +
Update organizationGroups - - - +
Update user details (self) + + + +
Update user details - - - +
Update conversation - - - +
Update message - - + +
Update contact - - + +
Update knowledge item - + + +
Update form - - + +
Update service - - - +
Delete knowledge item - - + +
Delete other resource - - - +
`;

export interface SeedRow {
  label: string;
  allowed: Record<Role, boolean>;
}

export function parseSeedTable(table = SEED_001_TABLE): SeedRow[] {
  return table
    .trim()
    .split('\n')
    .map((line) => {
      const parts = line.trim().split(/\s+/);
      const marks = parts.slice(-4);
      if (!marks.every((mark) => mark === '+' || mark === '-')) throw new Error(`unreadable seed row: ${line}`);
      const [guest, agent, bot, admin] = marks.map((mark) => mark === '+') as [boolean, boolean, boolean, boolean];
      return { label: parts.slice(0, -4).join(' '), allowed: { guest, agent, bot, admin } };
    });
}

/**
 * Which contract operations each seed row speaks of. `self: true` calls it on the caller's own
 * user. `later` marks an operation a later issue declares: its row is checked once the contract
 * has it.
 */
export const SEED_ROW_OPERATIONS: Record<string, Array<{ name: string; self?: boolean; later?: boolean }>> = {
  'List organizations': [{ name: 'organizations.list' }],
  'List organization groups': [{ name: 'organizationGroups.list' }],
  'List users': [{ name: 'users.list' }],
  'List conversations': [{ name: 'conversations.list' }],
  'List messages': [{ name: 'messages.list' }],
  'List contacts': [{ name: 'contacts.list' }],
  'List knowledge items': [{ name: 'knowledgeItems.list' }],
  'List forms': [{ name: 'forms.list' }],
  'List services': [{ name: 'services.list' }],
  'Fetch organization': [{ name: 'organizations.fetch' }],
  'Fetch organizationGroup': [{ name: 'organizationGroups.fetch' }],
  'Fetch user details (self)': [{ name: 'users.fetch', self: true }, { name: 'users.fetchMe', self: true }],
  'Fetch user details': [{ name: 'users.fetch' }],
  // The guest mark is the participant rule: a guest reaches only conversations it takes part in.
  'Fetch conversations details': [{ name: 'conversations.fetch' }, { name: 'conversations.history' }],
  'Fetch message': [{ name: 'messages.fetch' }],
  'Fetch contact': [{ name: 'contacts.fetch' }],
  'Fetch knowledge item': [{ name: 'knowledgeItems.fetch' }],
  'Fetch form': [{ name: 'forms.fetch' }],
  'Fetch service': [{ name: 'services.fetch' }],
  'Create organization': [{ name: 'organizations.create' }],
  'Create organizationGroup': [{ name: 'organizationGroups.create' }],
  'Create user': [{ name: 'users.create' }],
  'Create conversation': [{ name: 'conversations.create' }],
  'Create message': [{ name: 'messages.create' }],
  'Create contact': [{ name: 'contacts.create' }],
  'Create knowledge item': [{ name: 'knowledgeItems.create' }],
  'Create form': [{ name: 'forms.create' }],
  'Create service': [{ name: 'services.create' }],
  'Update organization': [{ name: 'organizations.update' }],
  'Update organizationGroups': [{ name: 'organizationGroups.update' }],
  'Update user details (self)': [{ name: 'users.update', self: true }, { name: 'users.updateMe', self: true }],
  'Update user details': [{ name: 'users.update' }],
  'Update conversation': [{ name: 'conversations.update' }],
  'Update message': [{ name: 'messages.update' }],
  'Update contact': [{ name: 'contacts.update' }],
  'Update knowledge item': [{ name: 'knowledgeItems.update' }],
  'Update form': [{ name: 'forms.update' }],
  'Update service': [{ name: 'services.update' }],
  'Delete knowledge item': [{ name: 'knowledgeItems.delete' }],
  'Delete other resource': [
    { name: 'organizations.delete' }, { name: 'organizationGroups.delete' }, { name: 'users.delete' },
    { name: 'contacts.delete' }, { name: 'forms.delete' }, { name: 'services.delete' },
    { name: 'conversations.delete' }, { name: 'messages.delete' }, { name: 'tags.delete' },
    { name: 'tickets.delete' },
    { name: 'webhooks.delete' },
  ],
};
