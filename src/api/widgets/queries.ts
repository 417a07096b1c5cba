import type { Knex } from 'knex';
import type { z } from 'zod';
import type { widget, widgetCard, widgetTab, widgetConfig } from '../../contract/operations/widgets.js';
import { withDbErrors } from '../../db/errors.js';
import { jsonb, paginate, type Page, type PageRequest, type StoredRow } from '../shared/queries.js';

// The SQL of widgets and of their ordered elements (cards, tabs). A widget is found by its client
// token, and, for everything but the public read, within the caller's organization only.

export type WidgetRow = StoredRow<Omit<z.output<typeof widget>, 'cards' | 'tabs'>>;
export type CardRow = z.output<typeof widgetCard>;
export type TabRow = z.output<typeof widgetTab>;
export type WidgetConfig = z.output<typeof widgetConfig>;

const widgetColumns = ['id', 'organization_id', 'client_token', 'name', 'allowed_origins', 'config', 'created_at', 'updated_at'];

/** The two element tables and the columns each answers with. */
export const ELEMENTS = {
  card: { table: 'widget_cards', columns: ['id', 'type', 'title', 'body', 'url', 'position', 'translations'] },
  tab: { table: 'widget_tabs', columns: ['id', 'type', 'title', 'url', 'position', 'translations'] },
} as const;
export type ElementKind = keyof typeof ELEMENTS;
export type ElementRow<K extends ElementKind> = K extends 'card' ? CardRow : TabRow;

/** The widget a client token names, in any organization: the public read's one query. */
export async function findWidgetByClientToken(knex: Knex, clientToken: string): Promise<WidgetRow | undefined> {
  return (await knex('widgets').where({ client_token: clientToken }).first(widgetColumns)) as WidgetRow | undefined;
}

/**
 * The organization's widget a client token names. `lock` takes the row lock, so that writes to
 * one widget's elements (positions) run one after the other.
 */
export async function findOwnWidget(knex: Knex, organizationId: string, clientToken: string, lock = false): Promise<WidgetRow | undefined> {
  const query = knex('widgets').where({ client_token: clientToken, organization_id: organizationId }).first(widgetColumns);
  if (lock) query.forUpdate();
  return (await query) as WidgetRow | undefined;
}

export async function listWidgets(knex: Knex, organizationId: string, page: PageRequest & { client_token?: string | undefined }): Promise<Page<WidgetRow>> {
  const builder = knex('widgets').where('widgets.organization_id', organizationId).select(widgetColumns.map((column) => `widgets.${column}`));
  if (page.client_token !== undefined) builder.where('widgets.client_token', page.client_token);
  return paginate<WidgetRow>(knex, builder, page, { at: 'widgets.created_at', id: 'widgets.id' });
}

export interface WidgetValues {
  name?: string | undefined;
  allowed_origins?: string[] | undefined;
  config?: WidgetConfig | undefined;
}

function widgetColumnsOf(knex: Knex, values: WidgetValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (values.name !== undefined) out.name = values.name;
  if (values.allowed_origins !== undefined) out.allowed_origins = jsonb(knex, values.allowed_origins);
  if (values.config !== undefined) out.config = jsonb(knex, values.config);
  return out;
}

export async function insertWidget(knex: Knex, values: Required<WidgetValues> & { organization_id: string; client_token: string }): Promise<WidgetRow> {
  const [row] = await withDbErrors(() => knex('widgets')
    .insert({ ...widgetColumnsOf(knex, values), organization_id: values.organization_id, client_token: values.client_token })
    .returning(widgetColumns));
  return row as WidgetRow;
}

/** Updates the widget's fields (none: only `updated_at`, when an element changed). */
export async function updateWidget(knex: Knex, id: string, values: WidgetValues): Promise<WidgetRow> {
  const [row] = await knex('widgets').where({ id }).update({ ...widgetColumnsOf(knex, values), updated_at: knex.fn.now() }).returning(widgetColumns);
  return row as WidgetRow;
}

export async function deleteWidget(knex: Knex, id: string): Promise<void> {
  await knex('widgets').where({ id }).delete();
}

/** The elements of each widget, in order, keyed by widget id. */
export async function elementsOf<K extends ElementKind>(knex: Knex, kind: K, widgetIds: readonly string[]): Promise<Map<string, ElementRow<K>[]>> {
  const out = new Map<string, ElementRow<K>[]>(widgetIds.map((id) => [id, []]));
  if (widgetIds.length === 0) return out;
  const { table, columns } = ELEMENTS[kind];
  const rows = (await knex(table).whereIn('widget_id', widgetIds).select('widget_id', ...columns).orderBy([{ column: 'widget_id' }, { column: 'position' }, { column: 'id' }])) as Array<ElementRow<K> & { widget_id: string }>;
  for (const { widget_id: widgetId, ...row } of rows) out.get(widgetId)!.push(row as unknown as ElementRow<K>);
  return out;
}

export async function findElement<K extends ElementKind>(knex: Knex, kind: K, widgetId: string, id: string): Promise<ElementRow<K> | undefined> {
  const { table, columns } = ELEMENTS[kind];
  return (await knex(table).where({ widget_id: widgetId, id }).first(columns)) as ElementRow<K> | undefined;
}

/** Inserts an element last in its widget's order (the caller holds the widget's lock). */
export async function insertElement<K extends ElementKind>(knex: Knex, kind: K, widget: Pick<WidgetRow, 'id' | 'organization_id'>, values: Record<string, unknown>): Promise<ElementRow<K>> {
  const { table, columns } = ELEMENTS[kind];
  const [{ next }] = (await knex(table).where({ widget_id: widget.id }).select(knex.raw('coalesce(max(position) + 1, 0)::int as next'))) as [{ next: number }];
  const [row] = await knex(table)
    .insert({ ...elementColumns(knex, values), widget_id: widget.id, organization_id: widget.organization_id, position: next })
    .returning(columns);
  return row as ElementRow<K>;
}

export async function updateElement<K extends ElementKind>(knex: Knex, kind: K, widgetId: string, id: string, values: Record<string, unknown>): Promise<ElementRow<K>> {
  const { table, columns } = ELEMENTS[kind];
  const [row] = await knex(table).where({ widget_id: widgetId, id }).update({ ...elementColumns(knex, values), updated_at: knex.fn.now() }).returning(columns);
  return row as ElementRow<K>;
}

/** Removes an element and closes the gap, so positions stay 0…n-1. */
export async function deleteElement(knex: Knex, kind: ElementKind, widgetId: string, id: string): Promise<boolean> {
  const { table } = ELEMENTS[kind];
  const [removed] = (await knex(table).where({ widget_id: widgetId, id }).delete().returning('position')) as { position: number }[];
  if (!removed) return false;
  await knex(table).where({ widget_id: widgetId }).where('position', '>', removed.position).decrement('position', 1);
  return true;
}

/** Gives each element its index in `ids` as position (ids already checked to be exactly the widget's). */
export async function reorderElements(knex: Knex, kind: ElementKind, widgetId: string, ids: readonly string[]): Promise<void> {
  const { table } = ELEMENTS[kind];
  const cases = ids.map(() => 'when ?::uuid then ?::int').join(' ');
  await knex(table).where({ widget_id: widgetId }).update({
    position: knex.raw(`case id ${cases} end`, ids.flatMap((id, index) => [id, index])),
    updated_at: knex.fn.now(),
  });
}

function elementColumns(knex: Knex, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  if (values.translations !== undefined) out.translations = jsonb(knex, values.translations);
  return out;
}

export async function formExists(knex: Knex, organizationId: string, id: string): Promise<boolean> {
  return (await knex('forms').where({ organization_id: organizationId, id }).first('id')) !== undefined;
}
