import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, id, idParams, LARGE_BODY, listQuery, nonEmptyPatch, text, timestamp } from '../schemas.js';

// Seed 000/001 "knowledge items" (knowledge-base articles): draft or published, in a category.
export const knowledgeItemStatus = z.enum(['draft', 'published']);

export const knowledgeItem = z.object({
  id,
  organization_id: id,
  title: z.string(),
  body: z.string(),
  status: knowledgeItemStatus,
  category_id: id.nullable(),
  tags: z.array(z.string()),
  author_id: id.nullable(),
  published_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

const fields = {
  title: text(300),
  body: z.string().max(100_000, 'must be at most 100000 characters'),
  status: knowledgeItemStatus.optional(),
  category_id: id.nullable().optional(),
  tags: z.array(text(50)).max(20, 'must have at most 20 items').optional(),
};

export const knowledgeItemOperations = {
  list: defineOperation({
    name: 'knowledgeItems.list', method: 'GET', path: '/knowledge-items', role: 'agent', tag: 'knowledge items', list: true,
    description: 'List the organization\'s knowledge-base articles, oldest first, by status, category and a search in titles and bodies (`q`, any case); filters combine.',
    query: listQuery({ status: knowledgeItemStatus.optional(), category_id: id.optional(), q: z.string().max(200).optional() }),
    response: knowledgeItem,
  }),
  fetch: defineOperation({
    name: 'knowledgeItems.fetch', method: 'GET', path: '/knowledge-items/{id}', role: 'agent', tag: 'knowledge items',
    description: 'Fetch one article.', params: idParams, response: knowledgeItem,
  }),
  create: defineOperation({
    name: 'knowledgeItems.create', method: 'POST', path: '/knowledge-items', successStatus: 201, role: 'agent', tag: 'knowledge items', bodyLimit: LARGE_BODY,
    description: 'Create an article (a draft unless `status` says published).', body: z.strictObject(fields), response: knowledgeItem,
  }),
  update: defineOperation({
    name: 'knowledgeItems.update', method: 'PATCH', path: '/knowledge-items/{id}', role: 'agent', tag: 'knowledge items', bodyLimit: LARGE_BODY,
    description: 'Update an article; publishing sets `published_at`.', params: idParams, body: nonEmptyPatch(fields), response: knowledgeItem,
  }),
  delete: defineOperation({
    name: 'knowledgeItems.delete', method: 'DELETE', path: '/knowledge-items/{id}', role: 'bot', tag: 'knowledge items',
    description: 'Delete an article.', params: idParams, response: deleted,
  }),
};
