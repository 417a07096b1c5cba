import * as oidc from 'openid-client';
import { createClientService, type CreateClientInput } from '../../../src/db/oauth-clients/client-service.js';
import { findOrganization, insertMembership, insertUser } from '../../../src/db/accounts.js';
import type { Role } from '../../../src/contract/roles.js';
import { hashPassword } from '../../../src/shared/password.js';
import type { TestGatehouse } from '../../helpers/gatehouse.js';
import { UserAgent, type Step } from './user-agent.js';

export const ADMIN = { email: 'admin@example.test', password: 'admin-password-1' };

export async function defaultOrganizationId(gatehouse: TestGatehouse): Promise<string> {
  return (await findOrganization(gatehouse.runtime.db.knex, 'Default organization'))!.id;
}

export async function registerClient(gatehouse: TestGatehouse, input: Partial<CreateClientInput> & Pick<CreateClientInput, 'type'>) {
  const { runtime } = gatehouse;
  const service = createClientService({ knex: runtime.db.knex, secrets: runtime.secrets, publicUrl: runtime.config.PUBLIC_URL, cutoff: { bus: runtime.bus, clock: runtime.clock, config: runtime.config } });
  const organizationId = input.type === 'service' ? await defaultOrganizationId(gatehouse) : undefined;
  return service.create({ name: `Test ${input.type} app`, ...(organizationId ? { organization_id: organizationId } : {}), ...input });
}

let userCounter = 0;
export async function createUser(gatehouse: TestGatehouse, memberships: Array<{ organizationId: string; role: Role }>, options: { password?: string } = {}) {
  const email = `user${++userCounter}-${Date.now()}@example.test`;
  const password = options.password ?? 'user-password-1';
  const user = await insertUser(gatehouse.runtime.db.knex, { email, name: `User ${userCounter}`, passwordHash: await hashPassword(password) });
  for (const m of memberships) await insertMembership(gatehouse.runtime.db.knex, { userId: user.id, organizationId: m.organizationId, role: m.role });
  return { id: user.id, email, password };
}

export async function discover(gatehouse: TestGatehouse, clientId: string, secret?: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(gatehouse.url), clientId, undefined, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), { execute: [oidc.allowInsecureRequests] });
}

/** Logs in (if the page asks) and allows consent (if asked); returns the redirect to the client. */
export async function loginAndConsent(agent: UserAgent, authorizationUrl: string, user: { email: string; password: string }, consent: Record<string, string> = {}): Promise<Step> {
  let step = await agent.follow(authorizationUrl);
  for (let i = 0; i < 4; i++) {
    if (step.location && !step.location.startsWith(new URL(step.url).origin)) return step;
    if (step.body.includes('/login"')) step = await agent.submit(step, { email: user.email, password: user.password });
    else if (step.body.includes('/consent"')) step = await agent.submit(step, { decision: 'allow', ...consent });
    else return step;
    if (step.location && new URL(step.location).origin === new URL(step.url).origin) step = await agent.follow(step.location);
  }
  return step;
}

export async function codeFlow(gatehouse: TestGatehouse, config: oidc.Configuration, options: { redirectUri: string; scope: string; user?: { email: string; password: string }; agent?: UserAgent; extra?: Record<string, string> }) {
  const agent = options.agent ?? new UserAgent(gatehouse.url);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...options.extra,
  });
  const step = await loginAndConsent(agent, url.href, options.user ?? ADMIN);
  if (!step.location?.startsWith(options.redirectUri)) throw new Error(`expected a redirect to the client, got ${step.status} ${step.location}\n${step.body.slice(0, 1500)}`);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(step.location), { pkceCodeVerifier: verifier, expectedState: state });
  return { tokens, agent, callback: step.location, verifier };
}

/** Runs the browser part of the code flow and returns the code, without redeeming it. */
export async function obtainCode(gatehouse: TestGatehouse, options: { clientId: string; redirectUri: string; scope?: string; agent?: UserAgent; params?: Record<string, string>; user?: { email: string; password: string } }) {
  const agent = options.agent ?? new UserAgent(gatehouse.url);
  const verifier = oidc.randomPKCECodeVerifier();
  const params = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: options.scope ?? 'openid agent',
    state: 'state-1',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...options.params,
  });
  const step = await loginAndConsent(agent, `${gatehouse.url}/oauth2/authorize?${params}`, options.user ?? ADMIN);
  const location = new URL(step.location!);
  return { code: location.searchParams.get('code')!, location, verifier, agent };
}

/** A raw token request, so tests see the exact status and body. */
export function tokenRequest(gatehouse: TestGatehouse, body: Record<string, string>, basic?: { id: string; secret: string }) {
  return formPost(gatehouse, '/oauth2/token', body, basic);
}

/** RFC 7662 introspection, authenticated as the client. */
export async function introspect(gatehouse: TestGatehouse, token: string, client: { id: string; secret: string }) {
  return (await formPost(gatehouse, '/oauth2/introspect', { token }, client)).body;
}

async function formPost(gatehouse: TestGatehouse, path: string, body: Record<string, string>, basic?: { id: string; secret: string }) {
  const res = await fetch(`${gatehouse.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`).toString('base64')}` } : {}),
    },
    body: new URLSearchParams(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}
