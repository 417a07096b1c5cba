/**
 * Gatehouse for `npm run bench:tokens`, as `gatehouse start --role all` runs it (gateway in
 * front, auth server and API behind), plus what only a benchmark needs: every SQL statement the
 * process runs is counted (knex `query` events), and over IPC it answers `stats` (its own
 * process.cpuUsage() and that count) and `codes` (authorization codes minted straight into the
 * provider's table, with their grants, as the consent step would leave them).
 * Configuration from the environment (DATABASE_URL empty: embedded PGlite in DATA_DIR).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRuntime } from '../src/cli/runtime.js';
import { start } from '../src/cli/start.js';
import { insertMembership, insertOrganization, insertUser } from '../src/db/accounts.js';
import { createClientService } from '../src/db/oauth-clients/client-service.js';
import { loadConfig } from '../src/shared/config/index.js';
import { createLogger } from '../src/shared/logger.js';
import { hashPassword } from '../src/shared/password.js';
import { BENCH_CLIENTS, BENCH_PKCE, BENCH_ROLE, BENCH_USER, serverStats, type ServerFixtures } from './token-fixtures.js';

const config = loadConfig({ env: process.env, configDir: '/nonexistent' });
const logger = createLogger({ level: 'warn' });
const runtime = await createRuntime(config, logger);
const knex = runtime.db.knex;
let queries = 0;
knex.on('query', () => queries++);
await start({ config, logger, role: 'all', runtime, print: () => {} });

const org = await insertOrganization(knex, { name: 'Token bench' });
const user = await insertUser(knex, { email: BENCH_USER.email, passwordHash: await hashPassword(BENCH_USER.password) });
await insertMembership(knex, { userId: user.id, organizationId: org.id, role: BENCH_ROLE });
const clients = createClientService({ knex, secrets: runtime.secrets, publicUrl: config.PUBLIC_URL, cutoff: { bus: runtime.bus, clock: runtime.clock, config } });
const service = await clients.create({ name: 'bench service', type: 'service', organization_id: org.id, max_role: BENCH_ROLE });
const web = await clients.create({ name: 'bench web', type: 'web', organization_id: org.id, redirect_uris: [BENCH_CLIENTS.web.redirectUri] });

/** A grant and its code per redemption, as the consent step and the authorization endpoint store them. */
async function mintCodes(n: number): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + 600;
  const challenge = createHash('sha256').update(BENCH_PKCE.verifier).digest('base64url');
  const codes: string[] = [];
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const grantId = randomBytes(16).toString('base64url');
    const code = randomBytes(32).toString('base64url');
    codes.push(code);
    const grant = { kind: 'Grant', jti: grantId, iat: now, exp, accountId: user.id, clientId: web.client.id, openid: { scope: 'openid' }, resources: { [config.API_AUDIENCE!]: BENCH_ROLE } };
    const authorizationCode = {
      kind: 'AuthorizationCode', jti: code, iat: now, exp, accountId: user.id, clientId: web.client.id, grantId, scope: 'openid', resource: config.API_AUDIENCE,
      redirectUri: BENCH_CLIENTS.web.redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', authTime: now,
    };
    const common = { account_id: user.id, client_id: web.client.id, expires_at: new Date(exp * 1000) };
    rows.push({ ...common, model: 'Grant', id: grantId, payload: JSON.stringify(grant), organization_id: org.id });
    rows.push({ ...common, model: 'AuthorizationCode', id: code, payload: JSON.stringify(authorizationCode), grant_id: grantId });
  }
  for (let i = 0; i < rows.length; i += 500) await knex('oidc_models').insert(rows.slice(i, i + 500));
  return codes;
}

const fixtures: ServerFixtures = {
  service: { id: service.client.id, secret: service.clientSecret! },
  web: { id: web.client.id, secret: web.clientSecret!, redirectUri: BENCH_CLIENTS.web.redirectUri },
  user: BENCH_USER,
};
process.send?.({ ready: fixtures });
process.on('message', (message: { id: number; op: string; n?: number }) => {
  const reply = (value: unknown) => process.send?.({ id: message.id, value });
  if (message.op === 'stats') reply(serverStats(queries));
  else if (message.op === 'codes') void mintCodes(message.n ?? 0).then(reply);
});
// A normal exit on SIGTERM, so `--cpu-prof` (BENCH_NODE_ARGS) writes its profile.
process.on('SIGTERM', () => process.exit(0));
