import type { Knex } from 'knex';
import { fieldRefused, validationFailed } from '../../contract/field-errors.js';
import { tabOperations, widgetCardOperations } from '../../contract/operations/widgets.js';
import { recordChange } from '../../domain/record-change.js';
import { callerOf, deletedResult, implement, type Caller } from '../handler.js';
import { notFound } from '../shared/not-found.js';
import { elementsOfWidget } from './present.js';
import {
  deleteElement, findElement, findOwnWidget, insertElement, reorderElements, updateElement, updateWidget,
  type ElementKind, type ElementRow, type WidgetRow,
} from './queries.js';

// Seed 000 "add, remove, or update a widget card", "create a new tab": the ordered elements of a
// widget's home screen and tab bar. Cards and tabs follow one set of rules, written once here.
// Every write locks the widget row, so positions computed from the current order stay 0…n-1
// under concurrent writers, and bumps the widget's `updated_at` (and so its public ETag).

const NOUN: Record<ElementKind, string> = { card: 'widget card', tab: 'tab' };
const RESOURCE_TYPE: Record<ElementKind, string> = { card: 'widget_card', tab: 'widget_tab' };

interface ElementCall {
  kind: ElementKind;
  action: string;
  clientToken: string;
  /** The audit row's resource: the element written, or the widget (a reorder). */
  resourceType?: string;
}

/** Runs `work` on the caller's widget, locked, then touches it and records the change. */
async function onWidget<T extends { id: string } | string>(
  knex: Knex, caller: Caller, call: ElementCall, changes: Record<string, unknown>,
  work: (trx: Knex, widget: WidgetRow) => Promise<T>,
): Promise<T> {
  return knex.transaction(async (trx) => {
    const widget = await findOwnWidget(trx, caller.identity.org, call.clientToken, true);
    if (!widget) throw notFound('widget');
    const result = await work(trx, widget);
    await updateWidget(trx, widget.id, {});
    const resourceId = typeof result === 'string' ? result : result.id;
    await recordChange(trx, caller, {
      action: call.action, resourceType: call.resourceType ?? RESOURCE_TYPE[call.kind], resourceId, changes: { widget: call.clientToken, ...changes },
    });
    return result;
  });
}

/** A link card or tab opens its `url`: one without is refused, on create and after an update. */
function checkLink(kind: ElementKind, merged: { type: string; url?: string | null | undefined }): void {
  if (merged.type === 'link' && !merged.url) throw fieldRefused('url', `is required for a link ${kind}`);
}

/** `ids` must be exactly the widget's elements, each once: anything else names what is wrong. */
function checkOrder(kind: ElementKind, ids: readonly string[], current: readonly string[]): void {
  const known = new Set(current);
  const seen = new Set<string>();
  const fields = ids.flatMap((id, index) => {
    const problem = seen.has(id) ? `names ${id} more than once` : known.has(id) ? undefined : `${id} is not a ${NOUN[kind]} of this widget`;
    seen.add(id);
    return problem ? [{ field: `ids[${index}]`, message: problem }] : [];
  });
  const missing = current.filter((id) => !seen.has(id));
  if (missing.length > 0) fields.push({ field: 'ids', message: `must name every ${NOUN[kind]} of the widget once; missing ${missing.join(', ')}` });
  if (fields.length > 0) throw validationFailed(fields);
}

function operationsOf<K extends ElementKind>(kind: K) {
  return {
    add: (knex: Knex, caller: Caller, call: Omit<ElementCall, 'kind'>, values: Record<string, unknown> & { type: string }) => {
      checkLink(kind, values);
      return onWidget(knex, caller, { ...call, kind }, values, (trx, widget) => insertElement(trx, kind, widget, values));
    },
    update: (knex: Knex, caller: Caller, call: Omit<ElementCall, 'kind'>, id: string, values: Record<string, unknown>) =>
      onWidget(knex, caller, { ...call, kind }, values, async (trx, widget) => {
        const existing = await findElement(trx, kind, widget.id, id);
        if (!existing) throw notFound(NOUN[kind]);
        checkLink(kind, { ...existing, ...values });
        return updateElement(trx, kind, widget.id, id, values);
      }),
    remove: (knex: Knex, caller: Caller, call: Omit<ElementCall, 'kind'>, id: string) =>
      onWidget(knex, caller, { ...call, kind }, {}, async (trx, widget) => {
        if (!(await deleteElement(trx, kind, widget.id, id))) throw notFound(NOUN[kind]);
        return id;
      }),
    reorder: async (knex: Knex, caller: Caller, call: Omit<ElementCall, 'kind'>, ids: readonly string[]): Promise<ElementRow<K>[]> => {
      let ordered: ElementRow<K>[] = [];
      await onWidget(knex, caller, { ...call, kind, resourceType: 'widget' }, { ids }, async (trx, widget) => {
        const elements = await elementsOfWidget(trx, widget);
        const current = (kind === 'card' ? elements.cards : elements.tabs).map((element) => element.id);
        checkOrder(kind, ids, current);
        await reorderElements(trx, kind, widget.id, ids);
        const after = await elementsOfWidget(trx, widget);
        ordered = (kind === 'card' ? after.cards : after.tabs) as ElementRow<K>[];
        return widget.id;
      });
      return ordered;
    },
  };
}

const cards = operationsOf('card');
const tabs = operationsOf('tab');

export const widgetCardHandlers = implement(widgetCardOperations, {
  async add(input) {
    const call = { action: input.operation.name, clientToken: input.params.clientToken };
    return { data: await cards.add(input.knex, callerOf(input), call, input.body) };
  },
  async update(input) {
    const call = { action: input.operation.name, clientToken: input.params.clientToken };
    return { data: await cards.update(input.knex, callerOf(input), call, input.params.id, input.body) };
  },
  async remove(input) {
    const call = { action: input.operation.name, clientToken: input.params.clientToken };
    return deletedResult(await cards.remove(input.knex, callerOf(input), call, input.params.id));
  },
  async reorder(input) {
    const call = { action: input.operation.name, clientToken: input.params.clientToken };
    return { data: await cards.reorder(input.knex, callerOf(input), call, input.body.ids), next_cursor: null };
  },
});

export const tabHandlers = implement(tabOperations, {
  async create(input) {
    const call = { action: input.operation.name, clientToken: input.params.clientToken };
    return { data: await tabs.add(input.knex, callerOf(input), call, input.body) };
  },
  async update(input) {
    const call = { action: input.operation.name, clientToken: input.params.clientToken };
    return { data: await tabs.update(input.knex, callerOf(input), call, input.params.id, input.body) };
  },
  async delete(input) {
    const call = { action: input.operation.name, clientToken: input.params.clientToken };
    return deletedResult(await tabs.remove(input.knex, callerOf(input), call, input.params.id));
  },
  async reorder(input) {
    const call = { action: input.operation.name, clientToken: input.params.clientToken };
    return { data: await tabs.reorder(input.knex, callerOf(input), call, input.body.ids), next_cursor: null };
  },
});
