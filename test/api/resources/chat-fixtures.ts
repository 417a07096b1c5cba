import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import type { ApiHarness, ApiResponse, Tenant } from '../harness.js';

// Rows the chat tests build on. Widgets and visitor sessions have their own operations (another
// part of issue 10); these tests insert the rows directly, as those operations store them.

const alnum = (n: number) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(n)].map((byte) => alphabet[byte % alphabet.length]).join('');
};

export interface Visitor {
  id: string;
  token: string;
  widgetId: string;
  clientToken: string;
  identity: Identity;
}

export async function addWidget(api: ApiHarness, tenant: Tenant): Promise<{ id: string; clientToken: string }> {
  const clientToken = `wgt_${alnum(24)}`;
  const [row] = await api.runtime.db.knex('widgets').insert({
    organization_id: tenant.organizationId, client_token: clientToken, name: 'Site widget',
    allowed_origins: JSON.stringify(['https://shop.example']), config: JSON.stringify({}),
  }).returning('id');
  return { id: (row as { id: string }).id, clientToken };
}

/** A visitor of a new (or the given) widget, and the identity its visitor session carries. */
export async function addVisitor(api: ApiHarness, tenant: Tenant, widget?: { id: string; clientToken: string }, name = 'Vera Visitor'): Promise<Visitor> {
  const w = widget ?? (await addWidget(api, tenant));
  const token = `vis_${alnum(24)}`;
  const [row] = await api.runtime.db.knex('visitors').insert({
    organization_id: tenant.organizationId, widget_id: w.id, token, secret_hash: randomUUID(), name, email: 'vera@example.test',
    context: JSON.stringify({ page: '/pricing' }),
  }).returning('id');
  const id = (row as { id: string }).id;
  return {
    id, token, widgetId: w.id, clientToken: w.clientToken,
    identity: { sub: id, org: tenant.organizationId, role: 'guest', scopes: ['guest'], kind: 'visitor' },
  };
}

export function ok(res: ApiResponse, status = 200): Record<string, unknown> {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.ok).toBe(true);
  return res.body.data as Record<string, unknown>;
}

export function refused(res: ApiResponse): [number, string | undefined, string | undefined] {
  return [res.status, res.body.error, res.body.details?.fields?.[0]?.field];
}

/** A conversation started by an agent for `visitor` (or none); its token. */
export async function startConversation(api: ApiHarness, tenant: Tenant, visitor?: Visitor, extra: Record<string, unknown> = {}): Promise<string> {
  const body = { ...(visitor ? { visitor_token: visitor.token } : {}), ...extra };
  return String(ok(await api.call(tenant.identity('agent'), 'POST', '/v2/conversations', body), 201).token);
}

export const text = (value: string) => ({ type: 'text', text: value });

export async function outbox(api: ApiHarness, token: string): Promise<{ type: string; seq: number; data: Record<string, unknown> }[]> {
  const knex = api.runtime.db.knex;
  const rows = (await knex('outbox_events as e').join('conversations as c', 'c.id', 'e.conversation_id').where('c.token', token)
    .orderBy('e.seq').select('e.type', 'e.seq', 'e.data')) as { type: string; seq: number | string; data: Record<string, unknown> }[];
  // bigint arrives as a string from Postgres.
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}
