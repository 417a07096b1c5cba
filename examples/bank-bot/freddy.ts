import { GatehouseError, type Gatehouse } from './gatehouse.js';

// What Freddy says. Every answer is a message posted through the API with the bot's key; each
// carries a client_message_id made of the webhook's id, so a delivery retried after the bot
// crashed mid-answer posts nothing twice.

export interface WebhookEvent {
  id: string;
  type: string;
  data: {
    conversation_token: string;
    author: { type: string };
    text: string;
    postback: unknown;
    element?: { id: string; payload: string | null };
  };
}

export interface Freddy {
  api: Gatehouse;
  /** A fresh single-use URL of the card-details page, for this conversation. */
  statementPage(conversation: string): string;
}

type Intent = 'greeting' | 'statement' | 'products' | 'human' | `product:${string}`;

const PRODUCTS = [
  { id: 'everyday', title: 'Everyday account', subtitle: 'No monthly fee, free card', image: 'everyday' },
  { id: 'gold', title: 'Gold credit card', subtitle: 'Travel insurance included', image: 'gold' },
  { id: 'savings', title: 'Savings account', subtitle: '2.1% a year, no lock-in', image: 'savings' },
] as const;

/** Answers one verified event; events Freddy does not handle are acknowledged and ignored. */
export async function answer(freddy: Freddy, event: WebhookEvent): Promise<void> {
  const intent = intentOf(event);
  if (intent === undefined) return;
  const conversation = event.data.conversation_token;
  if (await humanTookOver(freddy.api, conversation)) return;
  const post = (content: unknown, n = 1) =>
    freddy.api.call('POST', `/conversations/${conversation}/messages`, { content, client_message_id: `${event.id}:${n}` });

  if (intent === 'statement') {
    await post({
      type: 'buttons', fallback_text: 'Please enter your card details on our secure page.',
      text: 'To prepare your statement I need your card details. Please enter them on our secure page: AG Bank keeps them, not the chat.',
      buttons: [{ id: 'card-details', type: 'webview', title: 'Enter card details', url: freddy.statementPage(conversation), height: 'tall' }],
    });
  } else if (intent === 'products') {
    await post({
      type: 'carousel', fallback_text: PRODUCTS.map((product) => product.title).join(', '),
      cards: PRODUCTS.map((product) => ({
        id: product.id, title: product.title, subtitle: product.subtitle,
        // Nothing is served at agbank.example: the widget shows the alt text when an image is missing.
        image: { url: `https://agbank.example/images/${product.image}.png`, mime: 'image/png', alt: product.title },
        buttons: [
          { id: `more-${product.id}`, type: 'postback', title: 'Tell me more', payload: `product:${product.id}` },
          { id: `open-${product.id}`, type: 'url', title: 'Open on agbank.example', url: `https://agbank.example/${product.id}` },
        ],
      })),
    });
  } else if (intent === 'human') {
    await handOff(freddy.api, conversation, post);
  } else if (intent.startsWith('product:')) {
    const product = PRODUCTS.find((candidate) => `product:${candidate.id}` === intent);
    await post({ type: 'text', text: `${product?.title ?? 'That product'}: ${product?.subtitle ?? ''}. An adviser can open it for you today.` });
    await post(menu('Anything else I can do for you?'), 2);
  } else {
    await post(menu("Hi, I'm Freddy, AG Bank's assistant. How can I help you today?"));
  }
}

function menu(text: string) {
  return {
    type: 'quick_replies', fallback_text: `${text} (account statement, products, or talk to a human)`, text,
    replies: [
      { id: 'statement', title: 'Account statement', payload: 'statement' },
      { id: 'products', title: 'Products', payload: 'products' },
      { id: 'human', title: 'Talk to a human', payload: 'human' },
    ],
  };
}

function intentOf(event: WebhookEvent): Intent | undefined {
  if (event.type === 'message.postback') return (event.data.element?.payload ?? event.data.element?.id ?? 'greeting') as Intent;
  // A postback is also a message.created (its text is the chosen title): message.postback answers it.
  if (event.type !== 'message.created' || event.data.author.type !== 'visitor' || event.data.postback !== null) return undefined;
  const text = event.data.text.toLowerCase();
  if (/statement/.test(text)) return 'statement';
  if (/human|agent|person|someone/.test(text)) return 'human';
  if (/product|card|account|saving|loan/.test(text)) return 'products';
  return 'greeting';
}

/** Freddy stays quiet once a person has the conversation (assigned, or brought in as a participant), or it is closed. */
async function humanTookOver(api: Gatehouse, conversation: string): Promise<boolean> {
  const details = await api.call<{ assignee_id: string | null; status: string }>('GET', `/conversations/${conversation}`);
  if (details.assignee_id !== null || details.status === 'closed') return true;
  return (await api.call<unknown[]>('GET', `/conversations/${conversation}/participants`)).length > 0;
}

interface Member { user_id: string; name: string; role: string; is_bot: boolean; availability: string }

/**
 * Transfers the conversation to a person (`POST /conversations/{token}/transfer`, open to bots;
 * assigning through `PATCH` is an admin's): online people first, agents before admins, then offline ones.
 * One refused (disabled in the meantime) is skipped for the next; with nobody left, Freddy says so.
 */
async function handOff(api: Gatehouse, conversation: string, post: (content: unknown, n?: number) => Promise<unknown>): Promise<void> {
  const members = await api.call<Member[]>('GET', '/members?status=active&limit=100');
  const rank = (member: Member) => (member.availability === 'online' ? 0 : 2) + (member.role === 'agent' ? 0 : 1);
  const people = members.filter((member) => !member.is_bot && member.role !== 'guest').sort((a, b) => rank(a) - rank(b));
  for (const person of people) {
    try {
      await api.call('POST', `/conversations/${conversation}/transfer`, { assignee_id: person.user_id });
    } catch (err) {
      if (err instanceof GatehouseError && err.status === 400) continue;
      throw err;
    }
    const text = person.availability === 'online'
      ? `I'm handing you over to ${person.name}, one of our advisers. They will answer you here.`
      : `None of our advisers is online right now, so I've passed your conversation to ${person.name}. They will answer you here as soon as they can.`;
    await post({ type: 'text', text });
    return;
  }
  await post({ type: 'text', text: 'None of our advisers is available right now. Please call us on +44 1632 960001.' });
}
