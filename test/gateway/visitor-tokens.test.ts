import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handlers } from '../../src/api/handlers.js';
import { createAccessTokenVerifier } from '../../src/auth/tokens/verify-access-token.js';
import { operations, type Operation } from '../../src/contract/index.js';
import { revokeVisitorSessions } from '../../src/domain/visitor-sessions.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call, insertOrganizationWithWidget, memberKey, publicToken, type TestWidget } from './visitor-fixtures.js';

// Issue 10: a visitor's access token through the real gateway. It is verified like any access
// token, is a principal of its own kind (never a user), reaches only the operations of the
// visitors' short list below (written out here, not read from the contract), expires and is
// revoked like the others. The clock is injected: expiry is tested without waiting.

/** The operations that declare `visitor` (DESIGN.md: the visitors' short list). */
const VISITOR_OPERATIONS = [
  'conversations.create', 'conversations.fetch', 'conversations.history', 'conversations.rate', 'conversations.events',
  'messages.create', 'visitors.fetch', 'visitors.updateContext',
];
/** Public operations: anyone may call them, a visitor too. */
const PUBLIC_OPERATIONS = ['health.check', 'widgets.fetch', 'invitations.accept'];

const SITE = 'https://shop.example.com';
const OTHER_SITE = 'https://blog.example.org';

describe('visitor tokens at the gateway', () => {
  let gatehouse: TestGatehouse;
  let offsetMs = 0;
  let w: TestWidget;
  let visitor: { token: string; secret: string; access: string; id: string };

  async function openSession(widget: TestWidget, body: unknown = {}) {
    const res = await call(gatehouse.url, 'POST', `/v2/widgets/${widget.clientToken}/sessions`, { headers: { origin: widget.origins[0]! }, body });
    const data = res.body.data as { access_token: string; visitor_secret: string; visitor: { token: string } };
    const row = await gatehouse.runtime.db.knex('visitors').where({ token: data.visitor.token }).first('id');
    return { token: data.visitor.token, secret: data.visitor_secret, access: data.access_token, id: row.id as string };
  }
  const bearer = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({
      // Real time plus an offset the tests move: expiry without waiting, and caches that still age.
      clock: { now: () => Date.now() + offsetMs },
      config: { RATE_LIMIT_GUEST: 100_000, RATE_LIMIT_ORGANIZATION: 1_000_000, RATE_LIMIT_ANONYMOUS: 100_000, RATE_LIMIT_VISITOR_SESSIONS_IP: 1_000 },
    });
    w = await insertOrganizationWithWidget(gatehouse.runtime.db.knex, [SITE]);
    visitor = await openSession(w);
  });
  afterAll(() => gatehouse?.stop());

  it('the literal list is exactly the operations that declare visitor', () => {
    expect(operations.filter((o) => o.visitor === true).map((o) => o.name).sort()).toEqual([...VISITOR_OPERATIONS].sort());
    expect(operations.filter((o) => o.role === 'public').map((o) => o.name).sort()).toEqual([...PUBLIC_OPERATIONS].sort());
  });

  const concretePath = (operation: Operation) => operation.path
    .replace('{clientToken}', w.clientToken)
    .replace('{token}', operation.path.startsWith('/visitors/') ? visitor.token : publicToken('cnv'))
    .replace(/\{\w+\}/g, randomUUID());

  it.each(operations.map((operation) => [operation.name, operation] as const))('%s: a visitor token over REST and RPC', async (name, operation) => {
    const rest = await call(gatehouse.url, operation.method, `/v2${concretePath(operation)}`, {
      headers: bearer(visitor.access), ...(operation.method === 'GET' || operation.method === 'DELETE' ? {} : { body: {} }),
    });
    const rpc = await call(gatehouse.url, 'POST', `/v1/${name}`, { headers: bearer(visitor.access), body: {} });
    for (const [surface, res] of [['REST', rest], ['RPC', rpc]] as const) {
      const where = `${name} over ${surface}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`;
      if (VISITOR_OPERATIONS.includes(name) || PUBLIC_OPERATIONS.includes(name)) {
        expect(res.status, where).not.toBe(401);
        expect(res.body.error, where).not.toBe('insufficient_scope');
        // An operation another part of issue 10 has not bound yet answers 501, nothing worse.
        expect(res.status, where).toBeLessThan(handlers.has(name) ? 500 : 502);
      } else {
        expect([res.status, res.body.error], where).toEqual([403, 'insufficient_scope']);
      }
    }
  });

  it('is accepted for its own visitor and nobody else\'s (404 for another visitor of its organization)', async () => {
    const own = await call(gatehouse.url, 'GET', `/v2/visitors/${visitor.token}`, { headers: bearer(visitor.access) });
    if (handlers.has('visitors.fetch')) expect([own.status, own.body.data?.token]).toEqual([200, visitor.token]);
    else expect([own.status, own.body.error]).toEqual([501, 'not_found']);
    const other = await openSession(w);
    const theirs = await call(gatehouse.url, 'GET', `/visitors/${other.token}`, { headers: bearer(visitor.access) });
    expect([theirs.status, theirs.body.error]).toEqual([404, 'not_found']);
  });

  it('is never a user token: /users/me, API keys, members and conversations lists refuse it', async () => {
    for (const [method, path] of [['GET', '/v2/users/me'], ['GET', '/users/me'], ['POST', '/v2/api-keys'], ['GET', '/v2/api-keys'], ['GET', '/v2/conversations'], ['GET', '/v2/visitors']]) {
      const res = await call(gatehouse.url, method!, path!, { headers: bearer(visitor.access), ...(method === 'POST' ? { body: { name: 'k', scopes: ['guest'] } } : {}) });
      expect([path, res.status, res.body.error]).toEqual([path, 403, 'insufficient_scope']);
    }
  });

  it('answers 403 token_expired once it expired (the injected clock, no waiting)', async () => {
    const session = await openSession(w);
    const path = `/v2/visitors/${session.token}`;
    expect((await call(gatehouse.url, 'GET', path, { headers: bearer(session.access) })).body.error).not.toBe('token_expired');
    offsetMs += 16 * 60_000;
    try {
      const res = await call(gatehouse.url, 'GET', path, { headers: bearer(session.access) });
      expect([res.status, res.body.error]).toEqual([403, 'token_expired']);
      // Renewed with the visitor secret: a fresh token works again.
      const renewed = await openSession(w, { visitor_secret: session.secret });
      expect(renewed.token).toBe(session.token);
      expect((await call(gatehouse.url, 'GET', path, { headers: bearer(renewed.access) })).body.error).not.toBe('token_expired');
    } finally {
      offsetMs -= 16 * 60_000;
    }
  });

  it('a revoked visitor\'s tokens are refused within a second, and its secret resumes nothing', async () => {
    const session = await openSession(w);
    const path = `/v2/visitors/${session.token}`;
    const before = await call(gatehouse.url, 'GET', path, { headers: bearer(session.access) });
    expect(before.status).not.toBe(401);
    const admin = { identity: { sub: randomUUID(), org: w.organizationId, kind: 'user' as const }, requestId: randomUUID() };
    const { runtime } = gatehouse;
    // The auth server's own verifier (introspection) sees the cut-off too.
    const introspect = createAccessTokenVerifier({ knex: runtime.db.knex, clock: runtime.clock, config: runtime.config });
    expect((await introspect(session.access))?.visitor).toBe(session.token);
    expect(await revokeVisitorSessions({ knex: runtime.db.knex, bus: runtime.bus, clock: runtime.clock, config: runtime.config }, admin, session.id)).toBe(true);
    const deadline = Date.now() + 1_000;
    let res = await call(gatehouse.url, 'GET', path, { headers: bearer(session.access) });
    while (res.status !== 401 && Date.now() < deadline) res = await call(gatehouse.url, 'GET', path, { headers: bearer(session.access) });
    expect([res.status, res.body.error]).toEqual([401, 'invalid_auth']);
    expect(await introspect(session.access)).toBeUndefined();
    const resumed = await call(gatehouse.url, 'POST', `/v2/widgets/${w.clientToken}/sessions`, { headers: { origin: SITE }, body: { visitor_secret: session.secret } });
    expect([resumed.status, resumed.body.error]).toEqual([401, 'invalid_auth']);
    // Other visitors are untouched.
    expect((await call(gatehouse.url, 'GET', `/v2/visitors/${visitor.token}`, { headers: bearer(visitor.access) })).status).not.toBe(401);
    const audit = await runtime.db.knex('audit_events').where({ resource_id: session.id, action: 'visitors.revokeSessions' }).first();
    expect(audit).toMatchObject({ actor_id: admin.identity.sub, organization_id: w.organizationId });
  });

  it('a deleted visitor\'s token is refused by the resource API (401)', async () => {
    const session = await openSession(w);
    await gatehouse.runtime.db.knex('visitors').where({ id: session.id }).delete();
    const res = await call(gatehouse.url, 'GET', `/v2/visitors/${session.token}`, { headers: bearer(session.access) });
    expect([res.status, res.body.error]).toEqual([401, 'invalid_auth']);
  });

  it('CORS: the widget\'s origin is allowed for its visitors\' calls, not for another widget\'s origin or a user\'s key', async () => {
    const other = await insertOrganizationWithWidget(gatehouse.runtime.db.knex, [OTHER_SITE]);
    const path = `/v2/visitors/${visitor.token}`;
    const allowed = await call(gatehouse.url, 'GET', path, { headers: bearer(visitor.access, { origin: SITE }) });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SITE);
    const foreign = await call(gatehouse.url, 'GET', path, { headers: bearer(visitor.access, { origin: other.origins[0]! }) });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const unknown = await call(gatehouse.url, 'GET', path, { headers: bearer(visitor.access, { origin: 'https://nobody.example' }) });
    expect(unknown.headers.get('access-control-allow-origin')).toBeNull();
    const key = await memberKey(gatehouse.runtime.db.knex, gatehouse.runtime.secrets.derive('api-key-hash'), w.organizationId, 'agent');
    const user = await call(gatehouse.url, 'GET', path, { headers: { authorization: key, origin: SITE } });
    expect(user.status).toBe(handlers.has('visitors.fetch') ? 200 : 501);
    expect(user.headers.get('access-control-allow-origin')).toBeNull();
    // Anonymous calls (the public widget configuration) from a widget's origin are allowed.
    const config = await call(gatehouse.url, 'GET', `/v2/widgets/${w.clientToken}`, { headers: { origin: SITE } });
    expect(config.headers.get('access-control-allow-origin')).toBe(SITE);
    // A preflight carries no credential: any widget's origin passes it, an unknown one does not.
    const preflight = (origin: string) => fetch(`${gatehouse.url}/v2/conversations`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    const ok = await preflight(SITE);
    expect([ok.status, ok.headers.get('access-control-allow-origin')]).toEqual([204, SITE]);
    const refused = await preflight('https://nobody.example');
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    // The widget reads why its expired token failed, to renew it.
    offsetMs += 16 * 60_000;
    try {
      const expired = await call(gatehouse.url, 'GET', path, { headers: bearer(visitor.access, { origin: SITE }) });
      expect([expired.status, expired.body.error, expired.headers.get('access-control-allow-origin')]).toEqual([403, 'token_expired', SITE]);
    } finally {
      offsetMs -= 16 * 60_000;
    }
  });
});
