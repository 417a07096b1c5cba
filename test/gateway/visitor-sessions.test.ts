import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { call, insertOrganizationWithWidget, publicToken, type TestWidget } from './visitor-fixtures.js';

// Issue 10: `POST /v2/widgets/{clientToken}/sessions` (and un-versioned) through the real gateway,
// with fetch as the widget's browser would send it. Expected answers are literals.

const SITE = 'https://shop.example.com';
const OTHER_SITE = 'https://evil.example.net';
const VISITOR_SECRET = /^vsk_[A-Za-z0-9_-]{43}$/;
const VISITOR_TOKEN = /^vis_[A-Za-z0-9]{24}$/;

describe('visitor sessions', () => {
  let gatehouse: TestGatehouse;
  let ipCounter = 0;
  // Each request counts against an address of its own unless a test says otherwise.
  const freshIp = () => `198.51.100.${++ipCounter % 250}`;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({
      config: { GATEWAY_TRUSTED_PROXIES: ['127.0.0.1'], RATE_LIMIT_VISITOR_SESSIONS_WIDGET: 12, RATE_LIMIT_VISITOR_SESSIONS_IP: 3 },
    });
  });
  afterAll(() => gatehouse?.stop());
  // Made before anything asks the gateway about origins, so its origin cache (reloaded on a miss
  // at most every 5 s) knows this widget when it answers the 429 below.
  let limitedWidget: Promise<TestWidget>;
  beforeAll(() => {
    limitedWidget = widget();
  });

  const knex = () => gatehouse.runtime.db.knex;
  const widget = (origins = [SITE]) => insertOrganizationWithWidget(knex(), origins);
  const open = (w: TestWidget, body: unknown = {}, headers: Record<string, string> = { origin: SITE }, path = `/v2/widgets/${w.clientToken}/sessions`) =>
    call(gatehouse.url, 'POST', path, { headers: { 'x-forwarded-for': freshIp(), ...headers }, body });
  const visitorCount = async (w: TestWidget) => Number((await knex()('visitors').where({ organization_id: w.organizationId }).count({ n: '*' }))[0]!.n);

  it('opens a new visitor from an allowed origin: 201, a guest token, a secret shown once', async () => {
    const w = await widget();
    const res = await open(w);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
    const data = res.body.data as { access_token: string; token_type: string; expires_in: number; visitor_secret: string; visitor: { token: string; organization_id: string; widget_client_token: string } };
    expect(Object.keys(data).sort()).toEqual(['access_token', 'expires_in', 'token_type', 'visitor', 'visitor_secret']);
    expect(data).toMatchObject({ token_type: 'Bearer', expires_in: 900, visitor: { organization_id: w.organizationId, widget_client_token: w.clientToken } });
    expect(data.visitor_secret).toMatch(VISITOR_SECRET);
    expect(data.visitor.token).toMatch(VISITOR_TOKEN);
    // Only a keyed hash of the secret is stored.
    const row = await knex()('visitors').where({ token: data.visitor.token }).first();
    expect(row.secret_hash).not.toContain(data.visitor_secret.slice(4));
    expect(JSON.stringify(row)).not.toContain(data.visitor_secret);
    // The one write path recorded it, with the visitor as its actor.
    const audit = await knex()('audit_events').where({ resource_id: row.id }).first();
    expect(audit).toMatchObject({ action: 'visitors.create', actor_kind: 'visitor', actor_id: row.id, organization_id: w.organizationId });
  });

  it('mints an at+jwt access token: sub the visitor id, org, scope guest, the visitor claim, at most 15 minutes', async () => {
    const w = await widget();
    const data = (await open(w)).body.data as { access_token: string; visitor: { token: string } };
    const row = await knex()('visitors').where({ token: data.visitor.token }).first();
    const header = decodeProtectedHeader(data.access_token);
    const claims = decodeJwt(data.access_token);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    expect(claims).toMatchObject({
      iss: gatehouse.runtime.config.PUBLIC_URL, aud: gatehouse.runtime.config.API_AUDIENCE, sub: row.id, org: w.organizationId,
      scope: 'guest', visitor: data.visitor.token, client_id: w.clientToken,
    });
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(900);
    expect(claims.exp! - claims.iat!).toBeGreaterThan(0);
  });

  it('resumes the visitor a secret belongs to (200, same visitor, same secret) from another widget of its organization', async () => {
    const w = await widget();
    const first = (await open(w)).body.data as { visitor_secret: string; visitor: { token: string } };
    const resumed = await open(w, { visitor_secret: first.visitor_secret });
    expect(resumed.status).toBe(200);
    expect(resumed.body.data).toMatchObject({ visitor_secret: first.visitor_secret, visitor: { token: first.visitor.token }, token_type: 'Bearer' });
    const sibling = await insertOrganizationWithWidget(knex(), [SITE], w.organizationId);
    const elsewhere = await open(sibling, { visitor_secret: first.visitor_secret });
    expect([elsewhere.status, (elsewhere.body.data as { visitor: { token: string } }).visitor.token]).toEqual([200, first.visitor.token]);
    expect(await visitorCount(w)).toBe(1);
  });

  it('refuses an unknown, malformed or other organization\'s secret with 401 invalid_auth', async () => {
    const w = await widget();
    const other = await widget();
    const foreign = ((await open(other)).body.data as { visitor_secret: string }).visitor_secret;
    for (const secret of [foreign, `vsk_${'A'.repeat(43)}`, 'not-a-secret', '']) {
      const res = await open(w, { visitor_secret: secret });
      expect([secret, res.status, res.body.error]).toEqual([secret, 401, 'invalid_auth']);
      expect(res.headers.get('access-control-allow-origin')).toBe(SITE);
    }
    for (const body of [{ visitor_secret: 42 }, { visitor_secret: `vsk_${'A'.repeat(300)}` }, { visitor: 'x' }, '[1', 'null']) {
      const res = await open(w, body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect(['validation_failed', 'invalid_request']).toContain(res.body.error);
    }
    const nul = await open(w, '{"visitor_secret":"vsk_\\u0000"}');
    expect([nul.status, nul.body.error]).toEqual([400, 'invalid_request']);
    expect(await visitorCount(w)).toBe(0);
  });

  it('answers 403 origin_not_allowed to a missing or other Origin, without CORS allowance', async () => {
    const w = await widget([SITE, 'http://localhost:3000']);
    const cases: Array<[string, Record<string, string>]> = [
      ['missing', {}],
      ['other site', { origin: OTHER_SITE }],
      ['other scheme', { origin: 'http://shop.example.com' }],
      ['other port', { origin: 'https://shop.example.com:8443' }],
      ['trailing slash', { origin: `${SITE}/` }],
      ['case', { origin: 'https://SHOP.example.com' }],
      ['null', { origin: 'null' }],
    ];
    for (const [name, headers] of cases) {
      const res = await open(w, {}, headers);
      expect([name, res.status, res.body.error, res.headers.get('access-control-allow-origin')]).toEqual([name, 403, 'origin_not_allowed', null]);
    }
    expect((await open(w, {}, { origin: 'http://localhost:3000' })).status).toBe(201);
    expect(await visitorCount(w)).toBe(1);
  });

  it('answers 404 not_found for an unknown widget, on both paths', async () => {
    for (const path of [`/v2/widgets/${publicToken('wgt')}/sessions`, `/widgets/${publicToken('wgt')}/sessions`, '/v2/widgets/nonsense/sessions']) {
      const res = await call(gatehouse.url, 'POST', path, { headers: { origin: SITE, 'x-forwarded-for': freshIp() }, body: {} });
      expect([path, res.status, res.body.error]).toEqual([path, 404, 'not_found']);
    }
  });

  it('serves the un-versioned path of seed 002 too, and only POST (405 with Allow)', async () => {
    const w = await widget();
    expect((await open(w, {}, { origin: SITE }, `/widgets/${w.clientToken}/sessions`)).status).toBe(201);
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await call(gatehouse.url, method, `/v2/widgets/${w.clientToken}/sessions`, { headers: { origin: SITE, 'x-forwarded-for': freshIp() } });
      expect([method, res.status, res.body.error, res.headers.get('allow')]).toEqual([method, 405, 'method_not_allowed', 'POST, OPTIONS']);
    }
  });

  it('answers the CORS preflight of an allowed origin, and refuses any other', async () => {
    const w = await widget();
    const preflight = (origin: string) => fetch(`${gatehouse.url}/v2/widgets/${w.clientToken}/sessions`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type', 'x-forwarded-for': freshIp() },
    });
    const allowed = await preflight(SITE);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(allowed.headers.get('access-control-allow-methods')).toBe('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(allowed.headers.get('vary')).toContain('Origin');
    const refused = await preflight(OTHER_SITE);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await refused.json()) as { error: string }).error).toBe('origin_not_allowed');
  });

  it('limits sessions per widget (429 rate_limited with Retry-After), whatever the address', async () => {
    const w = await limitedWidget;
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) statuses.push((await open(w)).status);
    expect(statuses).toEqual([...Array<number>(12).fill(201), 429]);
    const limited = await open(w);
    expect([limited.status, limited.body.error]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The widget can read it (CORS for its origin), another site cannot.
    expect(limited.headers.get('access-control-allow-origin')).toBe(SITE);
    expect((await open(w, {}, { origin: OTHER_SITE })).headers.get('access-control-allow-origin')).toBeNull();
    // Another widget is not affected.
    expect((await open(await widget())).status).toBe(201);
  });

  it('limits sessions per IP across widgets', async () => {
    const ip = '192.0.2.77';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await open(await widget(), {}, { origin: SITE, 'x-forwarded-for': ip })).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it('refuses other spellings of the sessions paths like other auth-server paths, creating nothing', async () => {
    const w = await widget();
    const t = w.clientToken;
    const VARIANTS: Array<[string, number]> = [
      [`/v2/widgets/${t}/Sessions`, 404],
      [`/v2/widgets/${t}/SESSIONS`, 404],
      [`/V2/widgets/${t}/sessions`, 404],
      [`/v2/Widgets/${t}/sessions`, 404],
      [`/v2/widgets/${t}/sessions/`, 404],
      [`/widgets/${t}/sessions/`, 404],
      [`/Widgets/${t}/sessions`, 404],
      [`/v2/widgets/${t}/%73essions`, 404],
      [`//v2/widgets/${t}/sessions`, 400],
      [`/v2/widgets//${t}/sessions`, 400],
      [`/v2/widgets/${t}%2Fsessions`, 400],
    ];
    for (const [path, status] of VARIANTS) {
      const res = await open(w, {}, { origin: SITE }, path);
      expect([path, res.status]).toEqual([path, status]);
      expect(['not_found', 'invalid_request']).toContain(res.body.error);
    }
    expect(await visitorCount(w)).toBe(0);
    // Directly at the auth server (`--role auth` may run without the gateway) too.
    for (const path of [`/v2/widgets/${t}/Sessions`, `/v2/widgets/${t}/sessions/`, `//v2/widgets/${t}/sessions`]) {
      const res = await call(gatehouse.urls.auth!, 'POST', path, { headers: { origin: SITE }, body: {} });
      expect([path, res.status, res.body.error]).toEqual([path, 404, 'not_found']);
    }
    expect(await visitorCount(w)).toBe(0);
  });
});
