/**
 * One example request body per operation that takes a body, shown in the OpenAPI document and
 * parsed by the tests with the operation's own schema (test/api/openapi.test.ts), so an example
 * that stops being valid fails the suite.
 */
const GROUP_ID = '5b0c6a4e-3f1d-4c2b-9a8e-7d6f5e4c3b2a';
const CATEGORY_ID = '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4';
const CARD_IDS = ['3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a', '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d'];
const TAB_IDS = ['1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b', '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d'];
const USER_ID = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';

export const REQUEST_EXAMPLES: Readonly<Record<string, Record<string, unknown>>> = {
  'organizations.create': { name: 'Acme Support' },
  'organizations.update': { name: 'Acme Customer Care', webview_hosts: ['forms.acme.example'] },
  'organizationGroups.create': { name: 'Billing', description: 'Invoices, refunds and payment questions' },
  'organizationGroups.update': { description: 'Invoices and refunds' },
  'users.updateMe': { name: 'Ann Smith' },
  'users.updateAvailability': { availability: 'online' },
  'users.create': { email: 'freddy-bot@acme.example', name: 'Freddy', role: 'bot', is_bot: true },
  'users.update': { role: 'agent' },
  'members.update': { role: 'agent', group_ids: [GROUP_ID] },
  'invitations.create': { email: 'new.agent@acme.example', role: 'agent', group_ids: [GROUP_ID] },
  'invitations.accept': { token: 'ghi_Jx3…', name: 'New Agent', password: 'a long passphrase of your own' },
  'contacts.create': { name: 'Ann Smith', email: 'ann@example.com', company: 'Example Ltd', attributes: { plan: 'pro', seats: 12 } },
  'contacts.update': { phone: '+441632960001' },
  'knowledgeCategories.create': { name: 'Billing', description: 'Paying, invoices and refunds', position: 1 },
  'knowledgeCategories.update': { position: 2 },
  'knowledgeItems.create': { title: 'How do I get a refund?', body: 'Open Billing, pick the invoice and press Refund.', status: 'published', category_id: CATEGORY_ID, tags: ['refund'] },
  'knowledgeItems.update': { status: 'draft' },
  'forms.create': { name: 'Pre-chat', fields: [{ key: 'email', label: 'Email', type: 'email', required: true }] },
  'forms.update': { description: 'Asked before a chat starts' },
  'services.create': { name: 'Premium support', description: 'Answers within an hour', group_id: GROUP_ID, active: true },
  'services.update': { active: false },
  'apiKeys.create': { name: 'CRM sync', scopes: ['agent'], expiresAt: '2027-06-30T00:00:00Z' },
  'clients.create': { name: 'My CRM', type: 'web', redirect_uris: ['https://crm.example.com/callback'], max_role: 'agent' },
  'clients.update': { name: 'My CRM (production)' },
  'widgets.create': {
    name: 'Website chat', allowed_origins: ['https://www.acme.example', 'https://shop.acme.example'],
    config: { theme: { color: '#0b57d0', position: 'right' }, locale: 'en', greeting: 'Hi! How can we help?', pre_chat_form_id: null },
  },
  'widgets.update': { allowed_origins: ['https://www.acme.example'] },
  'widgets.cards.add': {
    type: 'link', title: 'Track your order', body: 'Where is my parcel?', url: 'https://www.acme.example/orders',
    translations: { de: { title: 'Bestellung verfolgen', body: 'Wo ist mein Paket?' } },
  },
  'widgets.cards.update': { title: 'Track an order' },
  'widgets.cards.reorder': { ids: CARD_IDS },
  'tabs.create': { type: 'help', title: 'Help', translations: { de: { title: 'Hilfe' } } },
  'tabs.update': { title: 'Help centre' },
  'tabs.reorder': { ids: TAB_IDS },
  'visitors.updateContext': { context: { plan: 'pro', cart: { items: 3 }, coupon: null } },
  'conversations.create': { visitor_token: 'vis_4fJ9kQ2mX7pL1sT8wZ3nB6cV', subject: 'Card blocked', message: { content: { type: 'text', text: 'My card was declined at checkout.' }, client_message_id: 'web-1f3a' } },
  'conversations.update': { assignee_id: USER_ID, tags: ['billing', 'urgent'], status: 'closed', end_reason: 'resolved' },
  'conversations.transfer': { assignee_id: USER_ID },
  'conversations.participants.add': { user_id: USER_ID },
  'conversations.rate': { score: 5, comment: 'Sorted in two minutes, thanks!' },
  'tags.create': { name: 'billing', labels: { de: 'Abrechnung', fr: 'Facturation' } },
  'tags.update': { labels: { de: 'Rechnungen', fr: 'Factures' } },
  'messages.create': {
    content: {
      type: 'carousel', fallback_text: 'Our cards: Gold, Green',
      cards: [
        { id: 'gold', title: 'Gold card', subtitle: '2% cash back', buttons: [{ id: 'gold-apply', type: 'postback', title: 'Apply', payload: 'APPLY_GOLD' }] },
        { id: 'green', title: 'Green card', buttons: [{ id: 'green-details', type: 'webview', title: 'Details', url: 'https://forms.acme.example/green', height: 'tall' }] },
      ],
    },
    client_message_id: 'bot-7c21',
  },
  'messages.update': { content: { type: 'text', text: 'Your new card is on its way.' } },
  'tickets.create': { subject: 'Refund for order 1042', message: 'The customer was charged twice.', priority: 'high', requester: 'vis_4fJ9kQ2mX7pL1sT8wZ3nB6cV', tags: ['billing'] },
  'tickets.update': { assignee_id: USER_ID, priority: 'urgent' },
  'tickets.setStatus': { status: 'pending' },
  'tickets.status': { status: 'solved' },
  'tickets.messages.create': { text: 'We have refunded the second charge; it shows in 3-5 days.', public: true },
  'webhooks.create': { url: 'https://hooks.acme.example/gatehouse', events: ['chat.started', 'chat.ended', 'ticket.created'], description: 'CRM sync' },
  'webhooks.update': { events: ['message.created'], message_author_types: ['visitor'], enabled: true },
  'webhooks.replay': { since: '2026-12-01T00:00:00Z' },
};
