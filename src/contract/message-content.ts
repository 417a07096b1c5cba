import { z } from 'zod';

/**
 * A message's `content`: a union discriminated by `type` (DESIGN.md "Messages"). Rich variants are
 * the interactions bots send (quick replies, URL buttons, web views, images, GIFs, drop-downs,
 * carousels); each carries `fallback_text` for channels that cannot render it. Limits are the
 * strictest common ones of LiveChat, Zendesk and Messenger. Every button, reply, option and card
 * has an `id`, unique in its message, that a visitor's postback names.
 *
 * A web view must also be on the organization's allow-list: a rule of the organization, not of
 * the shape, so the service checks `webviewUrls(content)` (the schema checks the scheme only).
 */

const MAX_URL = 2_048;
const ELEMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
// E.164: a plus, then up to 15 digits, not starting with 0.
const E164 = /^\+[1-9][0-9]{1,14}$/;

const limited = (min: number, max: number) =>
  z.string().min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`).max(max, `must be at most ${max} characters`);

export const elementId = z.string().regex(ELEMENT_ID, 'must be 1-64 letters, digits, _ or -');

export const httpsUrl = z.string().max(MAX_URL, `must be at most ${MAX_URL} characters`).refine(isHttpsUrl, 'must be an https URL');

function isHttpsUrl(value: string): boolean {
  const url = parsedUrl(value);
  return url?.protocol === 'https:' && url.hostname !== '';
}

/** The hosts a web view may reach over plain http: this machine, spelled as the URL parser spells it. */
export const LOOPBACK_HOSTNAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * A web view is https, or http on a loopback host: a bot under development on the admin's own
 * machine cannot have a certificate. The service then wants that exact host:port on the
 * organization's `webview_hosts`, so plain http never reaches anything an admin did not name.
 */
function isWebviewUrl(value: string): boolean {
  const url = parsedUrl(value);
  return url !== undefined && (isHttpsUrl(value) || (url.protocol === 'http:' && LOOPBACK_HOSTNAMES.includes(url.hostname)));
}

/** The URL, unless it does not parse or carries a user name or password (they only disguise the host). */
function parsedUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.username === '' && url.password === '' ? url : undefined;
  } catch {
    return undefined;
  }
}

const webviewUrl = z.string().max(MAX_URL, `must be at most ${MAX_URL} characters`).refine(isWebviewUrl, 'must be an https URL');

const fallbackText = limited(1, 1_024);
const title = limited(1, 35);
const payload = z.string().max(1_000, 'must be at most 1000 characters');

export const imageMimeTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

export const image = z.strictObject({
  url: httpsUrl,
  mime: z.enum(imageMimeTypes, { error: `must be one of ${imageMimeTypes.join(', ')}` }),
  alt: z.string().max(256, 'must be at most 256 characters').optional(),
  width: z.number().int('must be an integer').min(1).max(10_000).optional(),
  height: z.number().int('must be an integer').min(1).max(10_000).optional(),
});

export const button = z.discriminatedUnion('type', [
  z.strictObject({ id: elementId, type: z.literal('postback'), title, payload: payload.optional() }),
  z.strictObject({ id: elementId, type: z.literal('url'), title, url: httpsUrl, target: z.enum(['new', 'current']).optional() }),
  z.strictObject({ id: elementId, type: z.literal('webview'), title, url: webviewUrl, height: z.enum(['compact', 'tall', 'full']) }),
  z.strictObject({ id: elementId, type: z.literal('phone'), title, phone: z.string().regex(E164, 'must be an E.164 number such as +441632960001') }),
], { error: 'must be a button of type postback, url, webview or phone' });

const cardFields = {
  title: limited(1, 80).optional(),
  subtitle: limited(1, 80).optional(),
  image: image.optional(),
  buttons: z.array(button).max(3, 'must have at most 3 items').optional(),
};
const hasAnyCardField = (card: { title?: unknown; subtitle?: unknown; image?: unknown; buttons?: unknown[] | undefined }) =>
  card.title !== undefined || card.subtitle !== undefined || card.image !== undefined || (card.buttons?.length ?? 0) > 0;
const cardNeedsAField = { message: 'must have a title, subtitle, image or button' };

export const card = z.strictObject({ id: elementId, ...cardFields }).refine(hasAnyCardField, cardNeedsAField);

const variants = [
  z.strictObject({ type: z.literal('text'), text: limited(1, 4_096) }),
  z.strictObject({ type: z.literal('image'), fallback_text: fallbackText, image, caption: z.string().max(1_024, 'must be at most 1024 characters').optional() }),
  z.strictObject({
    type: z.literal('gif'),
    fallback_text: fallbackText,
    image: image.extend({ mime: z.enum(['image/gif', 'image/webp'], { error: 'must be image/gif or image/webp' }) }),
    caption: z.string().max(1_024, 'must be at most 1024 characters').optional(),
  }),
  z.strictObject({
    type: z.literal('quick_replies'),
    fallback_text: fallbackText,
    text: limited(1, 1_024),
    replies: z.array(z.strictObject({ id: elementId, title: limited(1, 20), payload: payload.optional() }))
      .min(1, 'must have at least 1 item').max(13, 'must have at most 13 items'),
  }),
  z.strictObject({
    type: z.literal('buttons'),
    fallback_text: fallbackText,
    text: limited(1, 640),
    buttons: z.array(button).min(1, 'must have at least 1 item').max(3, 'must have at most 3 items'),
  }),
  z.strictObject({ type: z.literal('card'), fallback_text: fallbackText, id: elementId, ...cardFields }).refine(hasAnyCardField, cardNeedsAField),
  z.strictObject({
    type: z.literal('carousel'),
    fallback_text: fallbackText,
    cards: z.array(card).min(2, 'must have at least 2 items').max(10, 'must have at most 10 items'),
  }),
  z.strictObject({
    type: z.literal('dropdown'),
    fallback_text: fallbackText,
    text: limited(1, 1_024),
    placeholder: z.string().max(40, 'must be at most 40 characters').optional(),
    options: z.array(z.strictObject({ id: elementId, label: limited(1, 72), value: z.string().max(256, 'must be at most 256 characters') }))
      .min(1, 'must have at least 1 item').max(100, 'must have at most 100 items'),
    multiple: z.boolean().optional(),
  }),
] as const;

export const MESSAGE_CONTENT_TYPES = ['text', 'image', 'gif', 'quick_replies', 'buttons', 'card', 'carousel', 'dropdown'] as const;

export const messageContent = z
  .discriminatedUnion('type', variants, { error: `must be a content of type ${MESSAGE_CONTENT_TYPES.join(', ')}` })
  .superRefine((content, ctx) => {
    const seen = new Set<string>();
    for (const element of elementsOf(content)) {
      if (seen.has(element.id)) ctx.addIssue({ code: 'custom', path: element.path, message: `duplicates the id "${element.id}" of another element of this message` });
      seen.add(element.id);
    }
  });

export type MessageContent = z.infer<typeof messageContent>;
export type Button = z.infer<typeof button>;

interface Element {
  id: string;
  path: (string | number)[];
  /** What a postback naming it chose. */
  title: string;
  kind: 'button' | 'reply' | 'option' | 'card';
  button?: Button;
}

/** Every element a visitor can choose, with its JSON path, in document order. */
export function elementsOf(content: MessageContent): Element[] {
  const out: Element[] = [];
  const buttons = (list: Button[] | undefined, path: (string | number)[]) =>
    list?.forEach((b, i) => out.push({ id: b.id, path: [...path, 'buttons', i, 'id'], title: b.title, kind: 'button', button: b }));
  switch (content.type) {
    case 'quick_replies':
      content.replies.forEach((r, i) => out.push({ id: r.id, path: ['replies', i, 'id'], title: r.title, kind: 'reply' }));
      break;
    case 'buttons':
      buttons(content.buttons, []);
      break;
    case 'card':
      out.push({ id: content.id, path: ['id'], title: content.title ?? content.id, kind: 'card' });
      buttons(content.buttons, []);
      break;
    case 'carousel':
      content.cards.forEach((c, i) => {
        out.push({ id: c.id, path: ['cards', i, 'id'], title: c.title ?? c.id, kind: 'card' });
        buttons(c.buttons, ['cards', i]);
      });
      break;
    case 'dropdown':
      content.options.forEach((o, i) => out.push({ id: o.id, path: ['options', i, 'id'], title: o.label, kind: 'option' }));
      break;
    default:
      break;
  }
  return out;
}

/** The web-view URLs of a message, for the organization's allow-list check. */
export function webviewUrls(content: MessageContent): { url: string; path: (string | number)[] }[] {
  return elementsOf(content)
    .filter((element) => element.button?.type === 'webview')
    .map((element) => ({ url: (element.button as Extract<Button, { type: 'webview' }>).url, path: [...element.path.slice(0, -1), 'url'] }));
}

/** The plain text a channel that cannot render `content` shows. */
export function plainTextOf(content: MessageContent): string {
  return content.type === 'text' ? content.text : content.fallback_text;
}
