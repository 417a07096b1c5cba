import type { MessageContent } from '../../contract/message-content.js';
import type { Random } from './random.js';

// What generated people say: mostly text, and now and then the rich variants of seed 003, each
// valid per contract/message-content.ts (a test parses every template with that schema).

const VISITOR_LINES = [
  'Hi, I was charged twice for my order.', 'Where is my parcel?', 'Can I change my delivery address?', 'The checkout page shows an error.',
  'Do you ship to Norway?', 'I would like a refund please.', 'How do I reset my password?', 'Is there a discount for teams?',
  'Thanks, that helped!', 'Still not working, sorry.', 'Order number is 48151623.', 'OK, one moment.',
];
const AGENT_LINES = [
  'Hello! Let me check that for you.', 'Thanks for waiting, I found your order.', 'I have issued the refund; it takes 3-5 days.',
  'Could you send me the order number?', 'That is fixed now, could you try again?', 'Anything else I can help with?',
  'I have passed this to our billing team.', 'You will get an email with the tracking link.',
];

export const RICH_TEMPLATES: readonly MessageContent[] = [
  {
    type: 'quick_replies', fallback_text: 'What can we help with? Orders, Billing, Something else', text: 'What can we help with?',
    replies: [{ id: 'orders', title: 'Orders', payload: 'TOPIC_ORDERS' }, { id: 'billing', title: 'Billing', payload: 'TOPIC_BILLING' }, { id: 'other', title: 'Something else' }],
  },
  {
    type: 'buttons', fallback_text: 'Track your order: https://shop.seed.example/orders', text: 'You can follow your parcel here.',
    buttons: [{ id: 'track', type: 'url', title: 'Track order', url: 'https://shop.seed.example/orders' }, { id: 'agent', type: 'postback', title: 'Talk to an agent', payload: 'HANDOFF' }],
  },
  {
    type: 'card', id: 'plan-pro', fallback_text: 'Pro plan: 29 EUR a month', title: 'Pro plan', subtitle: '29 EUR a month, cancel any time',
    image: { url: 'https://cdn.seed.example/plans/pro.png', mime: 'image/png', alt: 'Pro plan' },
    buttons: [{ id: 'upgrade', type: 'postback', title: 'Upgrade', payload: 'UPGRADE_PRO' }],
  },
  {
    type: 'image', fallback_text: 'Screenshot of the refund page', image: { url: 'https://cdn.seed.example/help/refund.png', mime: 'image/png', alt: 'Refund page', width: 800, height: 600 },
    caption: 'This is where you find the refund button.',
  },
];

function fallbackOf(content: MessageContent): string {
  return content.type === 'text' ? content.text : content.fallback_text;
}

/** A message's `content` and its plain `text`, as the messages table stores them. */
export function contentFor(random: Random, author: 'visitor' | 'agent' | 'bot'): { content: string; text: string } {
  let content: MessageContent;
  if (author === 'bot') content = random.chance(0.6) ? RICH_TEMPLATES[0]! : { type: 'text', text: 'I am the helper bot. An agent will be with you shortly.' };
  else if (author === 'agent' && random.chance(0.08)) content = random.pick(RICH_TEMPLATES.slice(1));
  else content = { type: 'text', text: random.pick(author === 'visitor' ? VISITOR_LINES : AGENT_LINES) };
  return { content: JSON.stringify(content), text: fallbackOf(content) };
}

export const SUBJECTS = ['Double charge', 'Delivery question', 'Refund', 'Login problem', 'Pricing', 'Bug report', 'Address change', null] as const;
