import { randomUUID } from 'node:crypto';
import type { OwnedRuntime } from '../../src/cli/runtime.js';
import { createApiComponent } from '../../src/api/app.js';
import { bodySha256, IDENTITY_HEADER, signIdentity, type Identity } from '../../src/contract/identity.js';
import type { Role } from '../../src/contract/roles.js';
import { insertMembership, insertOrganization, insertUser } from '../../src/db/accounts.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { createTestRuntime, type TestRuntimeOptions } from '../helpers/gatehouse.js';
import { answerOf } from '../helpers/http.js';

/**
 * The resource API alone on a test runtime, driven the way the gateway drives it: every request
 * carries a fresh identity assertion signed with the runtime's key for its method, path, query
 * and body.
 */
export interface ApiHarness {
  readonly runtime: OwnedRuntime;
  readonly url: string;
  /** A new organization with one user per role (and `admin` as its creator). */
  tenant(name?: string): Promise<Tenant>;
  call(identity: Identity | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** A GET whose response is not read: live streams. */
  open(identity: Identity, path: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<Response>;
  close(): Promise<void>;
}

export interface Tenant {
  readonly organizationId: string;
  readonly users: Record<Role, { id: string; email: string }>;
  identity(role: Role, overrides?: Partial<Identity>): Identity;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: {
    ok: boolean;
    data?: unknown;
    next_cursor?: string | null;
    error?: string;
    message?: string;
    details?: { fields?: Array<{ field: string; message: string }> } & Record<string, unknown>;
    request_id?: string;
  } & Record<string, unknown>;
}

export async function startApiHarness(options: TestRuntimeOptions = {}): Promise<ApiHarness> {
  const runtime = await createTestRuntime(options);
  const component = createApiComponent(runtime);
  const server: RunningServer = await listen(component.listener!, { host: '127.0.0.1', port: 0 });
  const key = runtime.secrets.derive('identity-assertion');
  const knex = runtime.db.knex;

  return {
    runtime,
    url: server.url,
    async tenant(name = `org-${randomUUID().slice(0, 8)}`) {
      const organization = await insertOrganization(knex, { name });
      const users = {} as Record<Role, { id: string; email: string }>;
      for (const role of ['guest', 'agent', 'bot', 'admin'] as const) {
        const email = `${role}-${randomUUID().slice(0, 8)}@example.test`;
        const user = await insertUser(knex, { email, name: `${role} user`, passwordHash: null, isBot: role === 'bot' });
        await insertMembership(knex, { userId: user.id, organizationId: organization.id, role });
        users[role] = { id: user.id, email };
      }
      return {
        organizationId: organization.id,
        users,
        identity: (role, overrides = {}) => ({
          sub: users[role].id, org: organization.id, role, scopes: [role], kind: 'user', ...overrides,
        }),
      };
    },
    async open(identity, path, headers = {}, signal) {
      const q = path.indexOf('?');
      const assertion = await signIdentity(identity, key, {
        method: 'GET', path: q === -1 ? path : path.slice(0, q), query: q === -1 ? '' : path.slice(q + 1), bodySha256: bodySha256(''),
      });
      return fetch(server.url + path, { headers: { ...headers, [IDENTITY_HEADER]: assertion }, ...(signal ? { signal } : {}) });
    },
    async call(identity, method, path, body, headers = {}) {
      const q = path.indexOf('?');
      const init: RequestInit & { headers: Record<string, string> } = { method, headers: { ...headers } };
      if (body !== undefined) {
        if (typeof body === 'string') init.body = body;
        else {
          init.body = JSON.stringify(body);
          init.headers['content-type'] ??= 'application/json';
        }
      }
      if (identity) {
        init.headers[IDENTITY_HEADER] = await signIdentity(identity, key, {
          method, path: q === -1 ? path : path.slice(0, q), query: q === -1 ? '' : path.slice(q + 1), bodySha256: bodySha256((init.body as string | undefined) ?? ''),
        });
      }
      const res = await fetch(server.url + path, init);
      const answer = await answerOf(res);
      const parsed = ('_text' in answer ? { ok: false, raw: answer._text } : answer) as ApiResponse['body'];
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async close() {
      component.drain?.();
      await server.close(1_000);
      await component.stop();
      await runtime.close();
    },
  };
}
