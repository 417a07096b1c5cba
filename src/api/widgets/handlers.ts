import type { Knex } from 'knex';
import { widgetOperations } from '../../contract/operations/widgets.js';
import { fieldRefused } from '../../contract/field-errors.js';
import { newPublicToken } from '../../contract/schemas.js';
import { recordChange } from '../../domain/record-change.js';
import { callerOf, implement } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { noneMatch, strongEtag } from './etag.js';
import { elementsOfWidget, presentPublicWidget, presentWidget, withElements } from './present.js';
import { deleteWidget, findOwnWidget, findWidgetByClientToken, formExists, insertWidget, listWidgets, updateWidget, type WidgetConfig } from './queries.js';

// Seed 002 "Widgets", seed 000 "create or delete a new chat widget". Admin operations reach the
// organization's widgets only (another organization's client token is not_found); the public
// read reaches the one widget its token names and shows only its public fields.

/**
 * How long a browser or CDN may reuse the public configuration without asking: it is read on
 * every page view of every site that embeds the widget, and an admin's edit showing up within a
 * minute is soon enough. After that a revalidation costs a 304 thanks to the ETag.
 */
const PUBLIC_CACHE_CONTROL = 'public, max-age=60';

/** The pre-chat form must be one of the organization's forms: never a link across tenants. */
async function checkConfig(knex: Knex, organizationId: string, config: WidgetConfig | undefined): Promise<void> {
  const formId = config?.pre_chat_form_id;
  if (formId && !(await formExists(knex, organizationId, formId))) throw fieldRefused('config.pre_chat_form_id', 'no such form');
}

export const widgetHandlers = implement(widgetOperations, {
  async list(input) {
    const { identity } = callerOf(input);
    const page = await listWidgets(input.knex, identity.org, input.query);
    const data = (await withElements(input.knex, page.rows)).map(([row, elements]) => presentWidget(row, elements));
    return { data, next_cursor: page.nextCursor };
  },

  async create(input) {
    const caller = callerOf(input);
    const { name, allowed_origins, config } = input.body;
    return input.knex.transaction(async (trx) => {
      await checkConfig(trx, caller.identity.org, config);
      const row = await insertWidget(trx, { organization_id: caller.identity.org, client_token: newPublicToken('wgt'), name, allowed_origins, config });
      await recordChange(trx, caller, { action: 'widgets.create', resourceType: 'widget', resourceId: row.id, changes: input.body });
      return { data: presentWidget(row, { cards: [], tabs: [] }) };
    });
  },

  async fetch(input) {
    const row = await findWidgetByClientToken(input.knex, input.params.clientToken);
    if (!row) throw notFound('widget');
    const data = presentPublicWidget(row, await elementsOfWidget(input.knex, row));
    const headers = { etag: strongEtag({ ok: true, data }), 'cache-control': PUBLIC_CACHE_CONTROL };
    // RFC 9110 §15.4.5: the 304 carries the validator and caching headers the 200 would have.
    if (noneMatch(input.headers['if-none-match'], headers.etag)) return { notModified: true as const, headers };
    return { data, headers };
  },

  async update(input) {
    const caller = callerOf(input);
    return input.knex.transaction(async (trx) => {
      const existing = await findOwnWidget(trx, caller.identity.org, input.params.clientToken, true);
      if (!existing) throw notFound('widget');
      await checkConfig(trx, caller.identity.org, input.body.config);
      const row = await updateWidget(trx, existing.id, input.body);
      await recordChange(trx, caller, { action: 'widgets.update', resourceType: 'widget', resourceId: row.id, changes: input.body });
      return { data: presentWidget(row, await elementsOfWidget(trx, row)) };
    });
  },

  async delete(input) {
    const caller = callerOf(input);
    const { clientToken } = input.params;
    await input.knex.transaction(async (trx) => {
      const existing = await findOwnWidget(trx, caller.identity.org, clientToken, true);
      if (!existing) throw notFound('widget');
      // Cards and tabs go with it (cascade); visitors and conversations keep their rows, unlinked.
      await deleteWidget(trx, existing.id);
      await recordChange(trx, caller, { action: 'widgets.delete', resourceType: 'widget', resourceId: existing.id, changes: { client_token: clientToken } });
    });
    return { data: { token: clientToken, deleted: true as const } };
  },
});
