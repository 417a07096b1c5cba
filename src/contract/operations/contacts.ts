import { z } from 'zod';
import { defineOperation } from '../define.js';
import { deleted, email, id, idParams, listQuery, nonEmptyPatch, nullableText, text, timestamp } from '../schemas.js';

// Seed 001 "contacts": the people an organization talks to. Emails are unique per organization.
const attributeValue = z.union([z.string().max(1000, 'must be at most 1000 characters'), z.number(), z.boolean(), z.null()]);
const attributes = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'keys are 1-64 letters, digits, _ . -'), attributeValue)
  .refine((value) => Object.keys(value).length <= 50, { message: 'must have at most 50 keys' });

export const contact = z.object({
  id,
  organization_id: id,
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
  notes: z.string().nullable(),
  attributes: z.record(z.string(), attributeValue),
  created_at: timestamp,
  updated_at: timestamp,
});

const fields = {
  name: text(200),
  email: email.nullable().optional(),
  phone: z.string().trim().regex(/^[0-9+()./ -]{3,40}$/, 'must be a phone number').nullable().optional(),
  company: nullableText(200).optional(),
  notes: nullableText(5000).optional(),
  attributes: attributes.optional(),
};

export const contactOperations = {
  list: defineOperation({
    name: 'contacts.list', method: 'GET', path: '/contacts', role: 'agent', tag: 'contacts', list: true,
    description: 'List contacts, optionally by email or a search in name, email and company.',
    query: listQuery({ email: z.string().max(254).optional(), q: z.string().max(200).optional() }), response: contact,
  }),
  fetch: defineOperation({
    name: 'contacts.fetch', method: 'GET', path: '/contacts/{id}', role: 'bot', tag: 'contacts',
    description: 'Fetch one contact.', params: idParams, response: contact,
  }),
  create: defineOperation({
    name: 'contacts.create', method: 'POST', path: '/contacts', successStatus: 201, role: 'bot', tag: 'contacts',
    description: 'Create a contact.', body: z.strictObject(fields), response: contact,
  }),
  update: defineOperation({
    name: 'contacts.update', method: 'PATCH', path: '/contacts/{id}', role: 'bot', tag: 'contacts',
    description: 'Update a contact.', params: idParams, body: nonEmptyPatch(fields), response: contact,
  }),
  delete: defineOperation({
    name: 'contacts.delete', method: 'DELETE', path: '/contacts/{id}', role: 'admin', tag: 'contacts',
    description: 'Delete a contact.', params: idParams, response: deleted,
  }),
};
