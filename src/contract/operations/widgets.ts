import { z } from 'zod';
import { defineOperation } from '../define.js';
import { httpsUrl } from '../message-content.js';
import { clientToken, deleted, deletedToken, id, listQuery, nonEmptyPatch, nullableText, text, timestamp } from '../schemas.js';

// Seed 002 "Widgets", seed 000 "widget create/delete and cards", "tabs" (DESIGN.md "Widgets,
// visitors and visitor sessions"). A widget is addressed by its public client token; its
// configuration is public (no credentials), everything else is the admin's.

export const clientTokenParams = z.strictObject({ clientToken });
const elementParams = z.strictObject({ clientToken, id });

/** `https://example.com` or `http://localhost:3000`: scheme, host and port, nothing else. */
export const origin = z.string().max(255, 'must be at most 255 characters').refine(isOrigin, 'must be an origin such as https://example.com (scheme, host, optional port)');

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/** A BCP 47 language tag, as `Accept-Language` and `locale` carry them: `en`, `de-CH`. */
export const locale = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or de-CH');

/** Per-locale overrides of a card's or tab's texts: `{"de": {"title": "Hallo"}}`. */
const translations = <T extends z.ZodRawShape>(shape: T) =>
  z.record(locale, z.strictObject(shape).partial())
    .refine((value) => Object.keys(value).length <= 30, { message: 'must have at most 30 locales' })
    .default({});

export const widgetConfig = z.strictObject({
  theme: z.strictObject({
    color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #1a73e8').default('#1a73e8'),
    position: z.enum(['right', 'left']).default('right'),
  }).default({ color: '#1a73e8', position: 'right' }),
  locale: locale.default('en'),
  greeting: z.string().trim().max(500, 'must be at most 500 characters').default(''),
  /** The pre-chat form (forms.*) shown before a visitor's first message; null for none. */
  pre_chat_form_id: id.nullable().default(null),
});

export const CARD_TYPES = ['text', 'link', 'article', 'contact'] as const;
const cardFields = {
  type: z.enum(CARD_TYPES),
  title: text(80),
  body: nullableText(1000).optional(),
  url: httpsUrl.nullable().optional(),
};
const cardTexts = { title: text(80), body: nullableText(1000) };

export const widgetCard = z.object({
  id,
  type: z.enum(CARD_TYPES),
  title: z.string(),
  body: z.string().nullable(),
  url: z.string().nullable(),
  position: z.number().int(),
  translations: z.record(z.string(), z.object({ title: z.string().optional(), body: z.string().nullable().optional() })),
});

export const TAB_TYPES = ['chat', 'home', 'help', 'link'] as const;
const tabFields = { type: z.enum(TAB_TYPES), title: text(40), url: httpsUrl.nullable().optional() };

export const widgetTab = z.object({
  id,
  type: z.enum(TAB_TYPES),
  title: z.string(),
  url: z.string().nullable(),
  position: z.number().int(),
  translations: z.record(z.string(), z.object({ title: z.string().optional() })),
});

/** What anyone may read with the client token: no origins, no ids of the organization's staff. */
export const publicWidget = z.object({
  client_token: z.string(),
  name: z.string(),
  config: z.object({
    theme: z.object({ color: z.string(), position: z.enum(['right', 'left']) }),
    locale: z.string(),
    greeting: z.string(),
    pre_chat_form_id: z.string().nullable(),
  }),
  cards: z.array(widgetCard),
  tabs: z.array(widgetTab),
  updated_at: timestamp,
});

export const widget = publicWidget.extend({
  id,
  organization_id: id,
  allowed_origins: z.array(z.string()),
  created_at: timestamp,
});

const origins = z.array(origin).min(1, 'must name at least one origin').max(50, 'must have at most 50 items');
const widgetFields = { name: text(100), allowed_origins: origins, config: widgetConfig.default(widgetConfig.parse({})) };
const reorder = z.strictObject({ ids: z.array(id).min(1, 'must name at least one id').max(100, 'must have at most 100 items') });

export const widgetOperations = {
  list: defineOperation({
    name: 'widgets.list', method: 'GET', path: '/widgets', role: 'admin', tag: 'widgets', list: true,
    description: 'List the widgets of the organization with their settings, cards and tabs.',
    query: listQuery({ client_token: clientToken.optional() }), response: widget,
  }),
  create: defineOperation({
    name: 'widgets.create', method: 'POST', path: '/widgets', successStatus: 201, role: 'admin', tag: 'widgets',
    description: 'Create a widget; embed its `client_token` in the site. Visitors can open sessions only from `allowed_origins`.',
    body: z.strictObject(widgetFields), response: widget,
  }),
  fetch: defineOperation({
    name: 'widgets.fetch', method: 'GET', path: '/widgets/{clientToken}', role: 'public', publicBy: 'clientToken', tag: 'widgets',
    description: 'The public configuration of a widget, by its client token, with its cards and tabs; no credentials. Answers `ETag` and `Cache-Control`, and 304 to a matching `If-None-Match` (over RPC, a POST: 412 `precondition_failed`, RFC 9110 §13.1.2).',
    params: clientTokenParams, response: publicWidget,
  }),
  update: defineOperation({
    name: 'widgets.update', method: 'PATCH', path: '/widgets/{clientToken}', role: 'admin', tag: 'widgets',
    description: 'Update a widget of the organization (only the given fields; `config` is replaced as a whole).',
    params: clientTokenParams, body: nonEmptyPatch(widgetFields), response: widget,
  }),
  delete: defineOperation({
    name: 'widgets.delete', method: 'DELETE', path: '/widgets/{clientToken}', role: 'admin', tag: 'widgets',
    description: 'Delete a widget with its cards and tabs; its visitors can no longer open sessions.',
    params: clientTokenParams, response: deletedToken,
  }),
};

export const widgetCardOperations = {
  add: defineOperation({
    name: 'widgets.cards.add', method: 'POST', path: '/widgets/{clientToken}/cards', successStatus: 201, role: 'admin', tag: 'widgets',
    description: 'Add a card to the widget\'s home screen, last in order.',
    params: clientTokenParams, body: z.strictObject({ ...cardFields, translations: translations(cardTexts) }), response: widgetCard,
  }),
  update: defineOperation({
    name: 'widgets.cards.update', method: 'PATCH', path: '/widgets/{clientToken}/cards/{id}', role: 'admin', tag: 'widgets',
    description: 'Update a card of the widget.',
    params: elementParams, body: nonEmptyPatch({ ...cardFields, translations: translations(cardTexts) }), response: widgetCard,
  }),
  remove: defineOperation({
    name: 'widgets.cards.remove', method: 'DELETE', path: '/widgets/{clientToken}/cards/{id}', role: 'admin', tag: 'widgets',
    description: 'Remove a card from the widget.', params: elementParams, response: deleted,
  }),
  reorder: defineOperation({
    name: 'widgets.cards.reorder', method: 'PUT', path: '/widgets/{clientToken}/cards', role: 'admin', tag: 'widgets', list: true,
    description: 'Put the widget\'s cards in the given order; `ids` must name every card of the widget once.',
    params: clientTokenParams, body: reorder, response: widgetCard,
  }),
};

export const tabOperations = {
  create: defineOperation({
    name: 'tabs.create', method: 'POST', path: '/widgets/{clientToken}/tabs', successStatus: 201, role: 'admin', tag: 'widgets',
    description: 'Add a tab to the widget, last in order.',
    params: clientTokenParams, body: z.strictObject({ ...tabFields, translations: translations({ title: text(40) }) }), response: widgetTab,
  }),
  update: defineOperation({
    name: 'tabs.update', method: 'PATCH', path: '/widgets/{clientToken}/tabs/{id}', role: 'admin', tag: 'widgets',
    description: 'Update a tab of the widget.',
    params: elementParams, body: nonEmptyPatch({ ...tabFields, translations: translations({ title: text(40) }) }), response: widgetTab,
  }),
  delete: defineOperation({
    name: 'tabs.delete', method: 'DELETE', path: '/widgets/{clientToken}/tabs/{id}', role: 'admin', tag: 'widgets',
    description: 'Delete a tab of the widget.', params: elementParams, response: deleted,
  }),
  reorder: defineOperation({
    name: 'tabs.reorder', method: 'PUT', path: '/widgets/{clientToken}/tabs', role: 'admin', tag: 'widgets', list: true,
    description: 'Put the widget\'s tabs in the given order; `ids` must name every tab of the widget once.',
    params: clientTokenParams, body: reorder, response: widgetTab,
  }),
};
