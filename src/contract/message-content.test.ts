import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrors } from './field-errors.js';
import { elementsOf, messageContent, webviewUrls } from './message-content.js';

// Rich message content: a literal table of valid documents for every variant, and of invalid
// ones for every limit, each with the exact field path and message a client gets.

const https = 'https://bank.example/img/card.png';
const img = { url: https, mime: 'image/png' };
const postback = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'postback', title: 'Yes', ...extra });
const s = (n: number, c = 'a') => c.repeat(n);
const many = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));

const valid: [string, unknown][] = [
  ['text at 1', { type: 'text', text: 'a' }],
  ['text at 4096', { type: 'text', text: s(4096) }],
  ['image with every field', { type: 'image', fallback_text: 'A card', image: { ...img, alt: s(256), width: 640, height: 480 }, caption: s(1024) }],
  ['image, webp', { type: 'image', fallback_text: 'x', image: { url: https, mime: 'image/webp' } }],
  ['gif', { type: 'gif', fallback_text: 'Dancing', image: { url: 'https://cdn.example/a.gif', mime: 'image/gif' } }],
  ['quick replies, 13', { type: 'quick_replies', fallback_text: 'Pick', text: s(1024), replies: many(13, (i) => ({ id: `r${i}`, title: s(20), payload: s(1000) })) }],
  ['buttons of every kind', {
    type: 'buttons', fallback_text: 'Options', text: s(640), buttons: [
      postback('b1', { payload: s(1000), title: s(35) }),
      { id: 'b2', type: 'url', title: 'Open', url: 'https://bank.example/statement', target: 'new' },
      { id: 'b3', type: 'webview', title: 'Card details', url: 'https://bank.example/card', height: 'tall' },
    ],
  }],
  ['a phone button', { type: 'buttons', fallback_text: 'Call', text: 'Call us', buttons: [{ id: 'p', type: 'phone', title: 'Call', phone: '+441632960001' }] }],
  ['card with a title only', { type: 'card', fallback_text: 'x', id: 'c1', title: s(80) }],
  ['card with an image only', { type: 'card', fallback_text: 'x', id: 'c1', image: img }],
  ['carousel of 2', { type: 'carousel', fallback_text: 'x', cards: [{ id: 'c1', title: 'One' }, { id: 'c2', subtitle: s(80), buttons: many(3, (i) => postback(`b${i}`)) }] }],
  ['carousel of 10', { type: 'carousel', fallback_text: 'x', cards: many(10, (i) => ({ id: `c${i}`, title: 'T' })) }],
  ['dropdown of 100, multiple', {
    type: 'dropdown', fallback_text: 'x', text: 'Choose', placeholder: s(40), multiple: true,
    options: many(100, (i) => ({ id: `o${i}`, label: s(72), value: s(256) })),
  }],
  ['ids of 64 allowed characters', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: [{ id: `${s(30, 'A')}_${s(30, '9')}-zz`, title: 't' }] }],
];

const invalid: [string, unknown, { field: string; message: string }[]][] = [
  ['no type', { text: 'hi' }, [{ field: 'type', message: 'must be a content of type text, image, gif, quick_replies, buttons, card, carousel, dropdown' }]],
  ['unknown type', { type: 'video', fallback_text: 'x' }, [{ field: 'type', message: 'must be a content of type text, image, gif, quick_replies, buttons, card, carousel, dropdown' }]],
  ['empty text', { type: 'text', text: '' }, [{ field: 'text', message: 'must not be empty' }]],
  ['text over 4096', { type: 'text', text: s(4097) }, [{ field: 'text', message: 'must be at most 4096 characters' }]],
  ['unknown field', { type: 'text', text: 'a', html: '<b>' }, [{ field: 'html', message: 'is not a known field' }]],
  ['rich without fallback', { type: 'card', id: 'c', title: 't' }, [{ field: 'fallback_text', message: 'is required' }]],
  ['fallback over 1024', { type: 'card', fallback_text: s(1025), id: 'c', title: 't' }, [{ field: 'fallback_text', message: 'must be at most 1024 characters' }]],
  ['http image', { type: 'image', fallback_text: 'x', image: { url: 'http://bank.example/a.png', mime: 'image/png' } }, [{ field: 'image.url', message: 'must be an https URL' }]],
  ['javascript image', { type: 'image', fallback_text: 'x', image: { url: 'javascript:alert(1)', mime: 'image/png' } }, [{ field: 'image.url', message: 'must be an https URL' }]],
  ['credentials in a URL', { type: 'image', fallback_text: 'x', image: { url: 'https://user:pw@bank.example/a.png', mime: 'image/png' } }, [{ field: 'image.url', message: 'must be an https URL' }]],
  ['image URL over 2048', { type: 'image', fallback_text: 'x', image: { url: `https://bank.example/${s(2030)}`, mime: 'image/png' } }, [{ field: 'image.url', message: 'must be at most 2048 characters' }]],
  ['svg image', { type: 'image', fallback_text: 'x', image: { url: https, mime: 'image/svg+xml' } }, [{ field: 'image.mime', message: 'must be one of image/png, image/jpeg, image/gif, image/webp' }]],
  ['png as gif', { type: 'gif', fallback_text: 'x', image: img }, [{ field: 'image.mime', message: 'must be image/gif or image/webp' }]],
  ['alt over 256', { type: 'image', fallback_text: 'x', image: { ...img, alt: s(257) } }, [{ field: 'image.alt', message: 'must be at most 256 characters' }]],
  ['caption over 1024', { type: 'image', fallback_text: 'x', image: img, caption: s(1025) }, [{ field: 'caption', message: 'must be at most 1024 characters' }]],
  ['no replies', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: [] }, [{ field: 'replies', message: 'must have at least 1 item' }]],
  ['14 replies', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: many(14, (i) => ({ id: `r${i}`, title: 't' })) }, [{ field: 'replies', message: 'must have at most 13 items' }]],
  ['reply title over 20', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: [{ id: 'r', title: s(21) }] }, [{ field: 'replies[0].title', message: 'must be at most 20 characters' }]],
  ['quick-reply text over 1024', { type: 'quick_replies', fallback_text: 'x', text: s(1025), replies: [{ id: 'r', title: 't' }] }, [{ field: 'text', message: 'must be at most 1024 characters' }]],
  ['payload over 1000', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: [{ id: 'r', title: 't', payload: s(1001) }] }, [{ field: 'replies[0].payload', message: 'must be at most 1000 characters' }]],
  ['id with a space', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: [{ id: 'a b', title: 't' }] }, [{ field: 'replies[0].id', message: 'must be 1-64 letters, digits, _ or -' }]],
  ['id over 64', { type: 'quick_replies', fallback_text: 'x', text: 't', replies: [{ id: s(65), title: 't' }] }, [{ field: 'replies[0].id', message: 'must be 1-64 letters, digits, _ or -' }]],
  ['buttons text over 640', { type: 'buttons', fallback_text: 'x', text: s(641), buttons: [postback('b')] }, [{ field: 'text', message: 'must be at most 640 characters' }]],
  ['4 buttons', { type: 'buttons', fallback_text: 'x', text: 't', buttons: many(4, (i) => postback(`b${i}`)) }, [{ field: 'buttons', message: 'must have at most 3 items' }]],
  ['no buttons', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [] }, [{ field: 'buttons', message: 'must have at least 1 item' }]],
  ['button title over 35', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [postback('b', { title: s(36) })] }, [{ field: 'buttons[0].title', message: 'must be at most 35 characters' }]],
  ['unknown button type', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [{ id: 'b', type: 'share', title: 't' }] }, [{ field: 'buttons[0].type', message: 'must be a button of type postback, url, webview or phone' }]],
  ['http url button', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [{ id: 'b', type: 'url', title: 't', url: 'http://bank.example' }] }, [{ field: 'buttons[0].url', message: 'must be an https URL' }]],
  ['webview without height', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [{ id: 'b', type: 'webview', title: 't', url: https }] }, [{ field: 'buttons[0].height', message: 'is required' }]],
  ['phone not E.164', { type: 'buttons', fallback_text: 'x', text: 't', buttons: [{ id: 'b', type: 'phone', title: 't', phone: '01632 960001' }] }, [{ field: 'buttons[0].phone', message: 'must be an E.164 number such as +441632960001' }]],
  ['empty card', { type: 'card', fallback_text: 'x', id: 'c' }, [{ field: '(body)', message: 'must have a title, subtitle, image or button' }]],
  ['card title over 80', { type: 'card', fallback_text: 'x', id: 'c', title: s(81) }, [{ field: 'title', message: 'must be at most 80 characters' }]],
  ['carousel of 1', { type: 'carousel', fallback_text: 'x', cards: [{ id: 'c', title: 't' }] }, [{ field: 'cards', message: 'must have at least 2 items' }]],
  ['carousel of 11', { type: 'carousel', fallback_text: 'x', cards: many(11, (i) => ({ id: `c${i}`, title: 't' })) }, [{ field: 'cards', message: 'must have at most 10 items' }]],
  ['deep: a carousel button URL', {
    type: 'carousel', fallback_text: 'x',
    cards: [{ id: 'c0', title: 't' }, { id: 'c1', title: 't' }, { id: 'c2', title: 't' }, { id: 'c3', title: 't', buttons: [{ id: 'u', type: 'url', title: 't', url: 'ftp://bank.example' }] }],
  }, [{ field: 'cards[3].buttons[0].url', message: 'must be an https URL' }]],
  ['an empty card in a carousel', { type: 'carousel', fallback_text: 'x', cards: [{ id: 'c0', title: 't' }, { id: 'c1' }] }, [{ field: 'cards[1]', message: 'must have a title, subtitle, image or button' }]],
  ['dropdown of 101', { type: 'dropdown', fallback_text: 'x', text: 't', options: many(101, (i) => ({ id: `o${i}`, label: 'l', value: 'v' })) }, [{ field: 'options', message: 'must have at most 100 items' }]],
  ['option label over 72', { type: 'dropdown', fallback_text: 'x', text: 't', options: [{ id: 'o', label: s(73), value: 'v' }] }, [{ field: 'options[0].label', message: 'must be at most 72 characters' }]],
  ['option value over 256', { type: 'dropdown', fallback_text: 'x', text: 't', options: [{ id: 'o', label: 'l', value: s(257) }] }, [{ field: 'options[0].value', message: 'must be at most 256 characters' }]],
  ['placeholder over 40', { type: 'dropdown', fallback_text: 'x', text: 't', placeholder: s(41), options: [{ id: 'o', label: 'l', value: 'v' }] }, [{ field: 'placeholder', message: 'must be at most 40 characters' }]],
  ['duplicate ids across cards and buttons', {
    type: 'carousel', fallback_text: 'x', cards: [{ id: 'same', title: 't' }, { id: 'c1', title: 't', buttons: [postback('same')] }],
  }, [{ field: 'cards[1].buttons[0].id', message: 'duplicates the id "same" of another element of this message' }]],
];

const errorsOf = (document: unknown) => {
  const result = messageContent.safeParse(document, { reportInput: true });
  return result.success ? [] : fieldErrors(result.error);
};

describe('message content', () => {
  it.each(valid)('accepts %s', (_name, document) => {
    expect(errorsOf(document)).toEqual([]);
  });

  it.each(invalid)('refuses %s', (_name, document, expected) => {
    expect(errorsOf(document)).toEqual(expected);
  });

  it('names every element a postback may reference, with its path', () => {
    const content = messageContent.parse({
      type: 'carousel', fallback_text: 'x',
      cards: [{ id: 'c0', title: 'Savings', buttons: [{ id: 'open', type: 'webview', title: 'Open', url: 'https://bank.example/a', height: 'full' }] }, { id: 'c1', title: 'Loans' }],
    });
    expect(elementsOf(content).map(({ id, kind, title, path }) => ({ id, kind, title, path }))).toEqual([
      { id: 'c0', kind: 'card', title: 'Savings', path: ['cards', 0, 'id'] },
      { id: 'open', kind: 'button', title: 'Open', path: ['cards', 0, 'buttons', 0, 'id'] },
      { id: 'c1', kind: 'card', title: 'Loans', path: ['cards', 1, 'id'] },
    ]);
    expect(webviewUrls(content)).toEqual([{ url: 'https://bank.example/a', path: ['cards', 0, 'buttons', 0, 'url'] }]);
  });

  it('is a oneOf with a discriminator in JSON Schema (the OpenAPI document)', () => {
    const schema = z.toJSONSchema(messageContent, { io: 'input', unrepresentable: 'any' }) as { oneOf?: { properties: { type: { const: string } } }[] };
    expect(schema.oneOf?.map((variant) => variant.properties.type.const)).toEqual(['text', 'image', 'gif', 'quick_replies', 'buttons', 'card', 'carousel', 'dropdown']);
  });
});
