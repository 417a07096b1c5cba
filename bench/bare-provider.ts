/**
 * The baseline of `npm run bench:tokens`: a bare oidc-provider 9 with its memory adapter, the
 * token format Gatehouse issues (ES256 JWT access tokens for one resource server, rotating
 * refresh tokens), on loopback. Started by bench/tokens.ts with IPC: it answers `cpu` with its
 * own process.cpuUsage(), and `codes` with authorization codes minted in its store.
 * Usage: node dist/bench/bench/bare-provider.js PORT ISSUER
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider, { type Adapter, type AdapterPayload, type JWK } from 'oidc-provider';
import { BENCH_CLIENTS, BENCH_PKCE, BENCH_ROLE, serverStats } from './token-fixtures.js';

const [port, issuer] = [Number(process.argv[2]), process.argv[3]!];
const audience = `${issuer}/api`;
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'bare', alg: 'ES256', use: 'sig' };

/**
 * The memory adapter without the provider's own one's bound (an LRU of 1,000 entries, which a
 * measurement's minted codes and their grants would overflow): a Map per process, expiry ignored.
 */
const store = new Map<string, AdapterPayload>();
const byGrant = new Map<string, string[]>();
function mapAdapter(model: string): Adapter {
  const key = (id: string) => `${model}:${id}`;
  return {
    async upsert(id, payload) {
      store.set(key(id), payload);
      if (payload.grantId) byGrant.set(payload.grantId, [...(byGrant.get(payload.grantId) ?? []), key(id)]);
    },
    find: async (id) => store.get(key(id)),
    findByUid: async (uid) => [...store.values()].find((p) => p.uid === uid),
    findByUserCode: async (code) => [...store.values()].find((p) => p.userCode === code),
    async consume(id) {
      const payload = store.get(key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    destroy: async (id) => void store.delete(key(id)),
    async revokeByGrantId(grantId) {
      for (const k of byGrant.get(grantId) ?? []) store.delete(k);
      byGrant.delete(grantId);
    },
  };
}

const provider = new Provider(issuer, {
  adapter: mapAdapter,
  clients: [
    { client_id: BENCH_CLIENTS.service.id, client_secret: BENCH_CLIENTS.service.secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    {
      client_id: BENCH_CLIENTS.web.id, client_secret: BENCH_CLIENTS.web.secret, grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], redirect_uris: [BENCH_CLIENTS.web.redirectUri],
    },
  ],
  jwks: { keys: [jwk] },
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  scopes: ['openid', 'offline_access'],
  rotateRefreshToken: true,
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => ({
        scope: `guest agent bot ${BENCH_ROLE}`,
        audience: indicator,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  routes: { token: '/oauth2/token', introspection: '/oauth2/introspect', revocation: '/oauth2/revoke' },
});

/** Codes as the provider's own authorization endpoint would store them, with their grant. */
async function newGrant(): Promise<string> {
  const grant = new provider.Grant({ accountId: 'bench-user', clientId: BENCH_CLIENTS.web.id });
  grant.addOIDCScope('openid');
  grant.addResourceScope(audience, BENCH_ROLE);
  return grant.save();
}

async function mintCodes(n: number): Promise<string[]> {
  const client = await provider.Client.find(BENCH_CLIENTS.web.id);
  const codes: string[] = [];
  for (let i = 0; i < n; i++) {
    const grantId = await newGrant();
    const code = new provider.AuthorizationCode({
      client: client!, grantId, accountId: 'bench-user', scope: 'openid', resource: audience,
      redirectUri: BENCH_CLIENTS.web.redirectUri, codeChallenge: createHash('sha256').update(BENCH_PKCE.verifier).digest('base64url'), codeChallengeMethod: 'S256',
      authTime: Math.floor(Date.now() / 1000), gty: 'authorization_code',
    });
    codes.push(await code.save());
  }
  return codes;
}

/** An opaque access token it stores: the only kind the bare provider can introspect. */
async function opaqueAccessToken(): Promise<string> {
  const client = await provider.Client.find(BENCH_CLIENTS.web.id);
  const token = new provider.AccessToken({ client: client!, accountId: 'bench-user', scope: 'openid', grantId: await newGrant(), gty: 'authorization_code' });
  return token.save();
}

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => process.send?.({ ready: { service: BENCH_CLIENTS.service, web: BENCH_CLIENTS.web } }));
process.on('message', (message: { id: number; op: string; n?: number }) => {
  const reply = (value: unknown) => process.send?.({ id: message.id, value });
  if (message.op === 'stats') reply(serverStats(0));
  else if (message.op === 'codes') void mintCodes(message.n ?? 0).then(reply);
  else if (message.op === 'opaque') void opaqueAccessToken().then(reply);
});
