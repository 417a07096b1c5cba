import { Pool } from 'undici';
import { BENCH_PKCE } from './token-fixtures.js';
import type { ServerFixtures } from './token-fixtures.js';
import { httpOf, type Http, type Reply, type Step } from './token-load.js';

// The cases of bench/tokens.ts: what each sends, and what it must get back to count as a grant.

export interface Target {
  url: string;
  kind: 'bare' | 'gatehouse';
  fixtures: ServerFixtures;
  mintCodes(n: number): Promise<string[]>;
  /** The bare provider only: an opaque access token it stores (it cannot introspect its JWTs). */
  opaqueAccessToken?(): Promise<string>;
}
export interface Prepared { step: Step; max?: number; close?(): Promise<void> }
export interface TokenCase { name: string; applies(target: Target): boolean; prepare(target: Target, connections: number): Promise<Prepared> }

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function expect(reply: Reply, status: number): Record<string, unknown> {
  if (reply.status !== status) throw new Error(`expected ${status}, got ${reply.status}: ${reply.body.slice(0, 160)}`);
  return reply.body ? (JSON.parse(reply.body) as Record<string, unknown>) : {};
}

/** Setup requests (one per chain) on a pool of their own, before the measurement starts. */
async function setup<T>(target: Target, connections: number, each: (http: Http, worker: number) => Promise<T>): Promise<T[]> {
  const pool = new Pool(target.url, { connections: 4 });
  try {
    const http = httpOf(pool);
    const out: T[] = [];
    for (let worker = 0; worker < connections; worker++) out.push(await each(http, worker));
    return out;
  } finally {
    await pool.close();
  }
}

const redeem = (target: Target, http: Http, code: string) => {
  const { web } = target.fixtures;
  return http('POST', '/oauth2/token', { authorization: basic(web.id, web.secret), 'content-type': FORM }, form({
    grant_type: 'authorization_code', code, redirect_uri: web.redirectUri, code_verifier: BENCH_PKCE.verifier,
  }));
};

const signIn = async (target: Target, http: Http) => {
  const user = target.fixtures.user!;
  return expect(await http('POST', '/v2/auth/token', { 'content-type': 'application/json' }, JSON.stringify({ email: user.email, password: user.password })), 200) as { token: string; refreshToken: string };
};

const everyone = () => true;
const gatehouseOnly = (target: Target) => target.kind === 'gatehouse';
// Codes for one measurement: more than the fastest contender redeems in it (the case stops when they run out).
const codesFor = (target: Target) => Number(process.env.BENCH_DURATION_S ?? 3) * (target.kind === 'bare' ? 4000 : 1500);

export const tokenCases: TokenCase[] = [
  {
    name: 'client_credentials',
    applies: everyone,
    async prepare(target) {
      const { service } = target.fixtures;
      const headers = { authorization: basic(service.id, service.secret), 'content-type': FORM };
      const body = form({ grant_type: 'client_credentials' });
      return { step: async (_w, http) => void expect(await http('POST', '/oauth2/token', headers, body), 200) };
    },
  },
  {
    name: 'authorization_code (codes minted beforehand)',
    applies: everyone,
    async prepare(target) {
      const codes = await target.mintCodes(codesFor(target));
      let next = 0;
      return { max: codes.length, step: async (_w, http) => void expect(await redeem(target, http, codes[next++]!), 200) };
    },
  },
  {
    name: 'refresh_token (rotation)',
    applies: everyone,
    async prepare(target, connections) {
      const codes = await target.mintCodes(connections);
      const chains = await setup(target, connections, async (http, worker) => expect(await redeem(target, http, codes[worker]!), 200).refresh_token as string);
      const { web } = target.fixtures;
      const headers = { authorization: basic(web.id, web.secret), 'content-type': FORM };
      return {
        step: async (worker, http) => {
          const reply = expect(await http('POST', '/oauth2/token', headers, form({ grant_type: 'refresh_token', refresh_token: chains[worker]! })), 200);
          chains[worker] = reply.refresh_token as string;
        },
      };
    },
  },
  {
    name: 'introspection (own access token)',
    applies: everyone,
    async prepare(target) {
      // Gatehouse introspects its JWT access token; the bare provider only the opaque ones it stores.
      const caller = target.kind === 'bare' ? target.fixtures.web : target.fixtures.service;
      const token = target.opaqueAccessToken
        ? await target.opaqueAccessToken()
        : (await setup(target, 1, async (http) => expect(await http('POST', '/oauth2/token', { authorization: basic(caller.id, caller.secret), 'content-type': FORM }, form({ grant_type: 'client_credentials' })), 200).access_token as string))[0]!;
      const headers = { authorization: basic(caller.id, caller.secret), 'content-type': FORM };
      const body = form({ token });
      return {
        step: async (_w, http) => {
          if (expect(await http('POST', '/oauth2/introspect', headers, body), 200).active !== true) throw new Error('inactive');
        },
      };
    },
  },
  {
    name: '/v2/auth/token refresh, GET with Bearer',
    applies: gatehouseOnly,
    async prepare(target, connections) {
      const chains = await setup(target, connections, (http) => signIn(target, http));
      return {
        step: async (worker, http) => {
          const chain = chains[worker]!;
          chains[worker] = expect(await http('GET', `/v2/auth/token?refreshToken=${encodeURIComponent(chain.refreshToken)}`, { authorization: `Bearer ${chain.token}` }), 200) as typeof chain;
        },
      };
    },
  },
  {
    name: '/v2/auth/token refresh, POST (after expiry)',
    applies: gatehouseOnly,
    async prepare(target, connections) {
      const chains = await setup(target, connections, (http) => signIn(target, http));
      const body = (refreshToken: string) => JSON.stringify({ refreshToken, clientId: target.fixtures.user!.email });
      return {
        step: async (worker, http) => {
          chains[worker] = expect(await http('POST', '/v2/auth/token', { 'content-type': 'application/json' }, body(chains[worker]!.refreshToken)), 200) as { token: string; refreshToken: string };
        },
      };
    },
  },
  {
    name: '/v2/auth/token password sign-in (argon2id)',
    applies: gatehouseOnly,
    async prepare(target) {
      return { step: async (_w, http) => void (await signIn(target, http)) };
    },
  },
];
