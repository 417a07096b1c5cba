import type { Knex } from 'knex';
import type { z } from 'zod';
import { widgetConfig, type publicWidget, type widget } from '../../contract/operations/widgets.js';
import { elementsOf, type CardRow, type TabRow, type WidgetRow } from './queries.js';

export type WidgetData = z.output<typeof widget>;
export type PublicWidgetData = z.output<typeof publicWidget>;

export interface Elements {
  cards: CardRow[];
  tabs: TabRow[];
}

/** The widgets with their cards and tabs, in order: two queries however many widgets. */
export async function withElements(knex: Knex, rows: readonly WidgetRow[]): Promise<Array<[WidgetRow, Elements]>> {
  const ids = rows.map((row) => row.id);
  const [cards, tabs] = [await elementsOf(knex, 'card', ids), await elementsOf(knex, 'tab', ids)];
  return rows.map((row) => [row, { cards: cards.get(row.id) ?? [], tabs: tabs.get(row.id) ?? [] }]);
}

export async function elementsOfWidget(knex: Knex, row: WidgetRow): Promise<Elements> {
  return (await withElements(knex, [row]))[0]![1];
}

/** What the admin sees: everything of the widget. */
export function presentWidget(row: WidgetRow, elements: Elements): WidgetData {
  return {
    ...presentPublicWidget(row, elements),
    id: row.id,
    organization_id: row.organization_id,
    allowed_origins: row.allowed_origins,
    created_at: row.created_at.toISOString(),
  };
}

/**
 * What anyone with the client token sees: built field by field, so a column added to the table
 * later (or the organization, or the allowed origins) never reaches the public by a spread.
 */
export function presentPublicWidget(row: WidgetRow, { cards, tabs }: Elements): PublicWidgetData {
  // Rows written by another path (a seed, an import) may lack fields: the defaults fill them.
  const stored = widgetConfig.safeParse(row.config);
  const { theme, locale, greeting, pre_chat_form_id } = stored.success ? stored.data : widgetConfig.parse({});
  return {
    client_token: row.client_token,
    name: row.name,
    config: { theme: { color: theme.color, position: theme.position }, locale, greeting, pre_chat_form_id },
    cards: cards.map(({ id, type, title, body, url, position, translations }) => ({ id, type, title, body, url, position, translations })),
    tabs: tabs.map(({ id, type, title, url, position, translations }) => ({ id, type, title, url, position, translations })),
    updated_at: row.updated_at.toISOString(),
  };
}
