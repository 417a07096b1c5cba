/**
 * The four revocations bench/revocation.ts measures, each made at A and checked at B: what
 * credential B is probed with, how A revokes it, and which entry B's revocation list learns.
 */
import type { Knex } from 'knex';
import { insertMembership, insertUser } from '../src/db/accounts.js';
import { membershipSubject } from '../src/db/revocations.js';
import { hashPassword } from '../src/shared/password.js';

export interface Target {
  /** Authorization header B is probed with. */
  header: string;
  /** An operation the credential may call at B (200 before the revocation). */
  path: string;
  /** The entry B's revocation list learns (gateway/revocation-list.ts). */
  entry: { kind: string; subject: string };
  /** Revokes at A; resolves when A's answer was read whole. */
  revoke(): Promise<void>;
}

export interface Kind {
  name: string;
  /** Revocations of this kind in flight at once (each on its own credential). */
  concurrency: number;
  /** A fresh credential for worker `worker`, accepted by B, and how to revoke it. */
  target(worker: number): Promise<Target>;
}

export interface Fixture {
  a: string;
  admin: { email: string; password: string; token: string; organizationId: string };
  /** HTTP Basic of a service client (client-credentials grants, RFC 7009 revocation). */
  serviceBasic: string;
  knex: Knex;
  call(url: string, init?: RequestInit & { token?: string }): Promise<{ status: number; body: Record<string, unknown> }>;
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function expect(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: A answered ${got}, expected ${want}`);
}

const GROUPS = '/v2/organization-groups';
const ME = '/v2/users/me';

export async function revocationKinds(f: Fixture, concurrency: number): Promise<Kind[]> {
  const { a, admin, call } = f;
  const signIn = async (email: string, password: string) => {
    const answer = await call(`${a}/v2/auth/token`, { method: 'POST', body: JSON.stringify({ email, password }) });
    expect(`sign-in of ${email}`, answer.status, 200);
    return answer.body as { token: string; refreshToken: string; user: string };
  };

  // One member per worker, disabled and enabled again in turn (members.update, status).
  const userWorkers = concurrency * 4;
  const password = 'a member password long enough 42';
  const passwordHash = await hashPassword(password);
  const members: Array<{ id: string; email: string; disabledAt: number }> = [];
  for (let i = 0; i < userWorkers; i++) {
    const email = `member-${i}-${Date.now()}@example.test`;
    const user = await insertUser(f.knex, { email, passwordHash });
    await insertMembership(f.knex, { userId: user.id, organizationId: admin.organizationId, role: 'agent' });
    members.push({ id: user.id, email, disabledAt: 0 });
  }
  const setStatus = async (id: string, status: 'active' | 'disabled') => {
    const answer = await call(`${a}/v2/members/${id}`, { method: 'PATCH', token: admin.token, body: JSON.stringify({ status }) });
    expect(`members.update ${status}`, answer.status, 200);
  };

  return [
    {
      name: 'API key deleted (`DELETE /v2/api-keys/{id}`)',
      concurrency,
      async target() {
        const created = await call(`${a}/v2/api-keys`, { method: 'POST', token: admin.token, body: JSON.stringify({ name: 'bench', scopes: ['admin'] }) });
        const key = created.body.data as { id: string; key: string };
        return {
          header: `Basic ${Buffer.from(`${key.key}:`).toString('base64')}`,
          path: GROUPS,
          entry: { kind: 'api_key', subject: key.id },
          revoke: async () => expect('api-keys.delete', (await call(`${a}/v2/api-keys/${key.id}`, { method: 'DELETE', token: admin.token })).status, 200),
        };
      },
    },
    {
      name: 'refresh token reused (`POST /v2/auth/token`): its sign-in revoked',
      concurrency,
      async target() {
        const first = await signIn(admin.email, admin.password);
        const rotated = await call(`${a}/v2/auth/token`, { method: 'POST', body: JSON.stringify({ refreshToken: first.refreshToken, clientId: admin.email }) });
        expect('refresh', rotated.status, 200);
        const token = (rotated.body as { token: string }).token;
        return {
          header: `Bearer ${token}`,
          path: GROUPS,
          entry: { kind: 'grant', subject: claims(token).gid as string },
          // The first refresh token again: taken as theft, the whole sign-in is revoked (401).
          revoke: async () => expect('refresh reuse', (await call(`${a}/v2/auth/token`, { method: 'POST', body: JSON.stringify({ refreshToken: first.refreshToken, clientId: admin.email }) })).status, 401),
        };
      },
    },
    {
      name: 'member disabled (`PATCH /v2/members/{id}`, status disabled)',
      concurrency: userWorkers,
      async target(worker) {
        const member = members[worker]!;
        if (member.disabledAt !== 0) {
          await setStatus(member.id, 'active');
          // The cut-off is in ms, a token's `iat` in whole seconds: a token made in the second
          // of the last cut-off would be refused for it, not for the next one.
          const wait = Math.ceil((member.disabledAt + 1) / 1000) * 1000 - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const { token } = await signIn(member.email, password);
        return {
          header: `Bearer ${token}`,
          path: ME,
          entry: { kind: 'membership', subject: membershipSubject(admin.organizationId, member.id) },
          revoke: async () => {
            await setStatus(member.id, 'disabled');
            member.disabledAt = Date.now();
          },
        };
      },
    },
    {
      name: 'access token revoked (RFC 7009 `POST /oauth2/revoke`)',
      concurrency,
      async target() {
        const granted = await call(`${a}/oauth2/token`, { method: 'POST', headers: { authorization: f.serviceBasic }, body: 'grant_type=client_credentials' });
        expect('client-credentials grant', granted.status, 200);
        const token = granted.body.access_token as string;
        return {
          header: `Bearer ${token}`,
          path: GROUPS,
          entry: { kind: 'token', subject: claims(token).jti as string },
          revoke: async () => expect('oauth2 revoke', (await call(`${a}/oauth2/revoke`, { method: 'POST', headers: { authorization: f.serviceBasic }, body: `token=${token}` })).status, 200),
        };
      },
    },
  ];
}
