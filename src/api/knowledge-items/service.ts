import type { Knex } from 'knex';
import { AppError } from '../../shared/errors.js';
import type { Caller } from '../handler.js';
import { categoryExists } from '../knowledge-categories/queries.js';
import { userExists, type KnowledgeItemRow } from './queries.js';

/**
 * Rules of an article write: its category must be of the same organization (a foreign id is a
 * validation error naming the field, never a link across tenants); publishing stamps
 * `published_at`, going back to draft clears it; the creator is the author.
 */
export async function prepareKnowledgeItem(
  trx: Knex,
  caller: Caller,
  values: Record<string, unknown>,
  existing?: KnowledgeItemRow,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...values };
  if (typeof values.category_id === 'string' && !(await categoryExists(trx, caller.identity.org, values.category_id))) {
    throw new AppError('validation_failed', 'category_id: no such knowledge category', {
      details: { fields: [{ field: 'category_id', message: 'no such knowledge category' }] },
    });
  }
  if (values.status === 'published' && existing?.status !== 'published') out.published_at = trx.fn.now();
  if (values.status === 'draft') out.published_at = null;
  if (!existing) out.author_id = (await userExists(trx, caller.identity.sub)) ? caller.identity.sub : null;
  return out;
}
