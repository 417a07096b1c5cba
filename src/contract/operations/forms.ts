import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, id, idParams, listQuery, nonEmptyPatch, nullableText, text, timestamp } from '../schemas.js';

// Seed 001 "forms" (pre-chat, offline and ticket forms). Fields are a validated schema: unique
// keys, and `options` exactly for the choice types.
export const formFieldType = z.enum(['text', 'textarea', 'email', 'phone', 'number', 'date', 'select', 'radio', 'checkbox']);
const choiceTypes = new Set(['select', 'radio']);

export const formField = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be 1-64 lowercase letters, digits or _, starting with a letter'),
  label: text(200),
  type: formFieldType,
  required: z.boolean().optional(),
  placeholder: nullableText(200).optional(),
  options: z.array(text(200)).min(1, 'must have at least 1 item').max(100, 'must have at most 100 items').optional(),
});

const formFields = z
  .array(formField)
  .min(1, 'must have at least 1 item')
  .max(100, 'must have at most 100 items')
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((field, index) => {
      if (seen.has(field.key)) ctx.addIssue({ code: 'custom', path: [index, 'key'], message: `duplicate key "${field.key}"` });
      seen.add(field.key);
      if (choiceTypes.has(field.type) && field.options === undefined) {
        ctx.addIssue({ code: 'custom', path: [index, 'options'], message: `is required for type ${field.type}` });
      }
      if (!choiceTypes.has(field.type) && field.options !== undefined) {
        ctx.addIssue({ code: 'custom', path: [index, 'options'], message: `is only allowed for select and radio` });
      }
    });
  });

export const form = z.object({
  id,
  organization_id: id,
  name: z.string(),
  description: z.string().nullable(),
  fields: z.array(formField),
  created_at: timestamp,
  updated_at: timestamp,
});

const fields = { name: text(200), description: nullableText(2000).optional(), fields: formFields };

export const formOperations = {
  list: defineOperation({
    name: 'forms.list', method: 'GET', path: '/forms', role: 'bot', tag: 'forms', list: true,
    description: 'List forms.', query: listQuery({}), response: form,
  }),
  fetch: defineOperation({
    name: 'forms.fetch', method: 'GET', path: '/forms/{id}', role: 'admin', tag: 'forms',
    description: 'Fetch one form.', params: idParams, response: form,
  }),
  create: defineOperation({
    name: 'forms.create', method: 'POST', path: '/forms', successStatus: 201, role: 'bot', tag: 'forms', bodyLimit: 64 * 1024,
    description: 'Create a form with its fields.', body: z.strictObject(fields), response: form,
  }),
  update: defineOperation({
    name: 'forms.update', method: 'PATCH', path: '/forms/{id}', role: 'bot', tag: 'forms', bodyLimit: 64 * 1024,
    description: 'Update a form; `fields` replaces the whole list.', params: idParams, body: nonEmptyPatch(fields), response: form,
  }),
  delete: defineOperation({
    name: 'forms.delete', method: 'DELETE', path: '/forms/{id}', role: 'admin', tag: 'forms',
    description: 'Delete a form.', params: idParams, response: deleted,
  }),
};
