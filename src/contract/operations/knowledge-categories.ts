import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, id, idParams, listQuery, nonEmptyPatch, nullableText, text, timestamp } from '../schemas.js';

// Seed 000 "knowledge-base categories". Deleting a category leaves its articles uncategorised.
export const knowledgeCategory = z.object({
  id,
  organization_id: id,
  name: z.string(),
  description: z.string().nullable(),
  position: z.number().int(),
  item_count: z.number().int(),
  created_at: timestamp,
  updated_at: timestamp,
});

const fields = {
  name: text(200),
  description: nullableText(2000).optional(),
  position: z.number({ error: 'must be a number' }).int('must be an integer').min(0).max(100_000).optional(),
};

export const knowledgeCategoryOperations = {
  list: defineOperation({
    name: 'knowledgeCategories.list', method: 'GET', path: '/knowledge-categories', role: 'agent', tag: 'knowledge categories', list: true,
    description: 'List the organization\'s knowledge-base categories, oldest first, by a search in names and descriptions (`q`, any case).',
    query: listQuery({ q: z.string().max(200).optional() }), response: knowledgeCategory,
  }),
  fetch: defineOperation({
    name: 'knowledgeCategories.fetch', method: 'GET', path: '/knowledge-categories/{id}', role: 'agent', tag: 'knowledge categories',
    description: 'Fetch one category.', params: idParams, response: knowledgeCategory,
  }),
  create: defineOperation({
    name: 'knowledgeCategories.create', method: 'POST', path: '/knowledge-categories', successStatus: 201, role: 'agent', tag: 'knowledge categories',
    description: 'Create a category; names are unique in the organization.', body: z.strictObject(fields), response: knowledgeCategory,
  }),
  update: defineOperation({
    name: 'knowledgeCategories.update', method: 'PATCH', path: '/knowledge-categories/{id}', role: 'agent', tag: 'knowledge categories',
    description: 'Update a category.', params: idParams, body: nonEmptyPatch(fields), response: knowledgeCategory,
  }),
  delete: defineOperation({
    name: 'knowledgeCategories.delete', method: 'DELETE', path: '/knowledge-categories/{id}', role: 'bot', tag: 'knowledge categories',
    description: 'Delete a category; its articles become uncategorised.', params: idParams, response: deleted,
  }),
};
