import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { issueApiKey } from '../../src/db/api-keys.js';
import type { Role } from '../../src/contract/roles.js';
import { answerOf } from '../helpers/http.js';

// Fixtures of the visitor-session tests (issue 10): organizations and widgets written straight
// to the tables, so these tests do not depend on the widgets' own handlers.

const alnum = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const publicToken = (prefix: 'wgt' | 'vis' | 'cnv') => `${prefix}_${Array.from(randomBytes(24), (b) => alnum[b % 62]).join('')}`;

export interface TestWidget {
  organizationId: string;
  clientToken: string;
  origins: string[];
}

export async function insertOrganizationWithWidget(knex: Knex, origins: string[], organizationId?: string): Promise<TestWidget> {
  const org = organizationId ?? (await insertOrganization(knex, { name: `Visitors ${randomUUID().slice(0, 6)}` })).id;
  const clientToken = publicToken('wgt');
  await knex('widgets').insert({
    organization_id: org, client_token: clientToken, name: 'Site chat',
    allowed_origins: JSON.stringify(origins), config: JSON.stringify({}),
  });
  return { organizationId: org, clientToken, origins };
}

/** An API key of a member with `role`, as an HTTP Basic Authorization value (seed 000). */
export async function memberKey(knex: Knex, hashSecret: Buffer, organizationId: string, role: Role): Promise<string> {
  const user = await insertUser(knex, { email: `${role}-${randomUUID().slice(0, 8)}@example.test`, passwordHash: null });
  await insertMembership(knex, { userId: user.id, organizationId, role });
  const { key } = await issueApiKey(
    knex,
    { organizationId, userId: user.id, creatorRole: role, name: `${role} key`, scopes: [role], expiresAt: undefined },
    { hashSecret, maxLifetimeDays: 30, now: Date.now() },
  );
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: { ok?: boolean; data?: Record<string, unknown>; error?: string; [key: string]: unknown };
}

export async function call(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) {
    init.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const answer = await answerOf(res);
  const body = ('_text' in answer ? { raw: answer._text } : answer) as JsonAnswer['body'];
  return { status: res.status, headers: res.headers, body };
}
