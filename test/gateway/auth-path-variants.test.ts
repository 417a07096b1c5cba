import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_SERVER_ROUTES, OAUTH_ROUTES, TOKEN_API_PATH } from '../../src/contract/auth-routes.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { registerClient } from '../auth/helpers/oauth.js';

/**
 * Issue 17, finding 1: every auth-server path under every other spelling is refused, through the
 * gateway (before routing and rate limits) and by the auth server itself (`--role auth` may run
 * without our gateway). The routes come from the contract's table; the answers from the literal
 * tables below.
 */

// The routes the issue names must be in the table the test walks.
const REQUIRED_ROUTES = [
  ...Object.values(OAUTH_ROUTES),
  '/.well-known/openid-configuration',
  '/interaction/:uid',
  '/interaction/:uid/login',
  '/interaction/:uid/consent',
  '/account',
  TOKEN_API_PATH,
];

const SAMPLE_PARAMETER = 'Abc123_x';
const concrete = (route: string) => route.split('/').map((s) => (s.startsWith(':') ? SAMPLE_PARAMETER : s)).join('/');

/** Index of the last literal (non-parameter) segment of a route. */
const lastLiteral = (route: string) => route.split('/').findLastIndex((s, i) => i > 0 && !s.startsWith(':'));

function respell(route: string, change: (segment: string) => string): string {
  const parts = route.split('/');
  const i = lastLiteral(route);
  parts[i] = change(parts[i]!);
  return concrete(parts.join('/'));
}

const VARIANTS: Record<string, (route: string) => string> = {
  'upper case': (route) => concrete(route).toUpperCase().replaceAll(SAMPLE_PARAMETER.toUpperCase(), SAMPLE_PARAMETER),
  'one capital letter': (route) => respell(route, (s) => s.replace(/[a-z]/, (c) => c.toUpperCase())),
  'trailing slash': (route) => `${concrete(route)}/`,
  'duplicate slash': (route) => concrete(route).replace(/^\//, '//'),
  'encoded slash': (route) => { const p = concrete(route); const i = p.lastIndexOf('/'); return i > 0 ? `${p.slice(0, i)}%2F${p.slice(i + 1)}` : `${p}%2F`; },
  'encoded letter': (route) => respell(route, (s) => s.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)),
};

// Literal expectations. The gateway's path hygiene (check-path.ts) refuses ambiguous paths on
// every route with 400 before anything else; the other spellings are the auth server's, 404.
const THROUGH_GATEWAY: Record<string, { status: number; error: string }> = {
  'upper case': { status: 404, error: 'not_found' },
  'one capital letter': { status: 404, error: 'not_found' },
  'trailing slash': { status: 404, error: 'not_found' },
  'duplicate slash': { status: 400, error: 'invalid_request' },
  'encoded slash': { status: 400, error: 'invalid_request' },
  'encoded letter': { status: 404, error: 'not_found' },
};
const DIRECT: Record<string, { status: number; error: string }> = {
  'upper case': { status: 404, error: 'not_found' },
  'one capital letter': { status: 404, error: 'not_found' },
  'trailing slash': { status: 404, error: 'not_found' },
  'duplicate slash': { status: 404, error: 'not_found' },
  'encoded slash': { status: 404, error: 'not_found' },
  'encoded letter': { status: 404, error: 'not_found' },
};

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('auth-server paths under another spelling (issue 17)', () => {
  let gatehouse: TestGatehouse;
  let authUrl: string;
  let ipCounter = 0;
  // Each test counts against an address of its own (the gateway trusts X-Forwarded-For from loopback).
  const freshIp = () => `203.0.113.${++ipCounter}`;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { RATE_LIMIT_TOKEN_ENDPOINT: 3, GATEWAY_TRUSTED_PROXIES: ['127.0.0.1'] } });
    authUrl = gatehouse.urls.auth!;
  });
  afterAll(() => gatehouse?.stop());

  it('walks a table that holds every route the issue names', () => {
    for (const route of REQUIRED_ROUTES) expect(AUTH_SERVER_ROUTES).toContain(route);
  });

  it('builds a distinct spelling of every route for every variant', () => {
    for (const route of AUTH_SERVER_ROUTES) {
      const spellings = Object.values(VARIANTS).map((variant) => variant(route));
      expect(new Set([concrete(route), ...spellings]).size).toBe(spellings.length + 1);
    }
  });

  for (const [where, expected] of [['through the gateway', THROUGH_GATEWAY], ['against the auth server directly', DIRECT]] as const) {
    it(`refuses every variant of every route ${where}`, async () => {
      const base = where === 'through the gateway' ? gatehouse.url : authUrl;
      const seen: Record<string, { status: number; error: unknown }> = {};
      const wanted: Record<string, { status: number; error: string }> = {};
      for (const route of AUTH_SERVER_ROUTES) {
        for (const [name, variant] of Object.entries(VARIANTS)) {
          for (const method of ['GET', 'POST']) {
            const path = variant(route);
            const res = await fetch(`${base}${path}`, {
              method,
              headers: { 'x-forwarded-for': freshIp(), ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
              ...(method === 'POST' ? { body: 'grant_type=client_credentials&scope=admin' } : {}),
            });
            const body = (await res.json().catch(() => ({}))) as { ok?: boolean; error?: unknown };
            seen[`${method} ${path}`] = { status: res.status, error: body.error };
            wanted[`${method} ${path}`] = expected[name]!;
          }
        }
      }
      expect(seen).toEqual(wanted);
    });
  }

  it('still serves every route spelled exactly (the table matches the servers)', async () => {
    for (const base of [gatehouse.url, authUrl]) {
      for (const route of AUTH_SERVER_ROUTES) {
        const res = await fetch(`${base}${concrete(route)}`, { headers: { 'x-forwarded-for': freshIp() }, redirect: 'manual' });
        const text = await res.text();
        expect({ route, refused: text.includes('The authorization server has no such path.') }).toEqual({ route, refused: false });
      }
    }
  });

  describe('the attack: a service client capped at guest asks for admin', () => {
    let client: { id: string; secret: string };
    beforeAll(async () => {
      const created = await registerClient(gatehouse, { type: 'service', max_role: 'guest' });
      client = { id: created.client.id, secret: created.clientSecret! };
    });

    const ask = (base: string, path: string) => fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.id, client.secret), 'x-forwarded-for': freshIp() },
      body: 'grant_type=client_credentials&scope=admin',
    });

    // Exactly what each spelling gets: a guest token on the real path, a refusal on every other.
    const ATTACKS: Array<{ path: string; gateway: number | 'guest'; direct: number | 'guest' }> = [
      { path: '/oauth2/token', gateway: 'guest', direct: 'guest' },
      { path: '/oauth2/token/', gateway: 404, direct: 404 },
      { path: '/oauth2/TOKEN', gateway: 404, direct: 404 },
      { path: '/OAUTH2/TOKEN', gateway: 404, direct: 404 },
      { path: '/oauth2/Token/', gateway: 404, direct: 404 },
      { path: '/oauth2//token', gateway: 400, direct: 404 },
      { path: '/oauth2/%74oken', gateway: 404, direct: 404 },
      { path: '/oauth2%2Ftoken', gateway: 400, direct: 404 },
    ];

    for (const attack of ATTACKS) {
      it(`POST ${attack.path}`, async () => {
        for (const [base, outcome] of [[gatehouse.url, attack.gateway], [authUrl, attack.direct]] as const) {
          const res = await ask(base, attack.path);
          const body = (await res.json()) as { access_token?: string; scope?: string; error?: string };
          if (outcome === 'guest') {
            expect(res.status).toBe(200);
            expect({ response: body.scope, claim: decodeJwt(body.access_token!).scope }).toEqual({ response: 'guest', claim: 'guest' });
          } else {
            expect({ status: res.status, token: body.access_token }).toEqual({ status: outcome, token: undefined });
          }
        }
      });
    }

    it('the guest token it gets cannot act as admin through the gateway', async () => {
      const res = await ask(gatehouse.url, '/oauth2/token');
      const { access_token: token } = (await res.json()) as { access_token: string };
      const listed = await fetch(`${gatehouse.url}/v2/clients`, { headers: { authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(403);
      expect(await listed.json()).toMatchObject({ ok: false, error: 'insufficient_scope' });
    });
  });

  it('refuses variants of the token endpoint before its rate limit, which they neither skip nor spend', async () => {
    const ip = freshIp();
    const post = (path: string) => fetch(`${gatehouse.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
      body: 'grant_type=client_credentials',
    }).then((r) => r.status);
    const variants: number[] = [];
    for (const path of ['/oauth2/token/', '/oauth2/TOKEN', '/oauth2/%74oken', '/v2/auth/token/', '/V2/auth/token']) variants.push(await post(path));
    expect(variants).toEqual([404, 404, 404, 404, 404]);
    // RATE_LIMIT_TOKEN_ENDPOINT is 3: the real path still has all three (400: no client named),
    // then 429.
    const canonical: number[] = [];
    for (let i = 0; i < 4; i++) canonical.push(await post('/oauth2/token'));
    expect(canonical).toEqual([400, 400, 400, 429]);
  });
});
