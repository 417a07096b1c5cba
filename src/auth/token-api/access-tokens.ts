import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { Knex } from 'knex';
import { FIRST_PARTY_CLIENT_ID } from '../../contract/first-party.js';
import type { Role } from '../../contract/roles.js';
import type { EventBus } from '../../shared/bus.js';
import type { Clock } from '../../shared/clock.js';
import type { Config } from '../../shared/config/index.js';
import type { Secrets } from '../../shared/secrets.js';
import { loadSigningKeys, SIGNING_KEYS_CHANNEL } from '../keys/signing-keys.js';

export interface SignedAccessToken {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
}

export interface AccessTokenSigner {
  /** A JWT access token of the same shape as the OAuth ones (RFC 9068), verified by the gateway the same way. */
  sign(subject: { userId: string; organizationId: string; role: Role; familyId: string }): Promise<SignedAccessToken>;
  /**
   * Any other access token we mint ourselves (visitor sessions): the same key, header, issuer,
   * audience, `jti` and `iat`; the caller gives the subject, its claims and the lifetime.
   */
  signAccessToken(input: { subject: string; claims: Record<string, unknown>; ttlSeconds: number }): Promise<SignedAccessToken>;
}

interface KeyMaterial {
  signing: { kid: string; key: Awaited<ReturnType<typeof importJWK>> };
  loadedAt: number;
}

/**
 * Signs with the current ES256 key from the database (the provider's own keys, so one JWKS
 * serves both). Keys are reloaded every SIGNING_KEY_REFRESH_SECONDS and at once when a rotation is
 * announced on the bus.
 */
export function createAccessTokenSigner(deps: { knex: Knex; secrets: Secrets; config: Config; clock: Clock; bus: EventBus }): AccessTokenSigner & { close(): void } {
  const { config, clock } = deps;
  let material: Promise<KeyMaterial> | undefined;
  const off = deps.bus.subscribe(SIGNING_KEYS_CHANNEL, () => (material = undefined));

  async function load(): Promise<KeyMaterial> {
    const now = clock.now();
    const { privateJwks } = await loadSigningKeys({ knex: deps.knex, secrets: deps.secrets, config, now: () => now });
    const current = privateJwks.find((jwk) => jwk.alg === 'ES256') ?? privateJwks[0]!;
    return { signing: { kid: current.kid!, key: await importJWK(current, current.alg) }, loadedAt: now };
  }

  async function keys(): Promise<KeyMaterial> {
    const loaded = material ? await material.catch(() => undefined) : undefined;
    if (loaded && clock.now() - loaded.loadedAt < config.SIGNING_KEY_REFRESH_SECONDS * 1000) return loaded;
    material = load();
    material.catch(() => (material = undefined));
    return material;
  }

  async function signAccessToken({ subject, claims, ttlSeconds }: { subject: string; claims: Record<string, unknown>; ttlSeconds: number }): Promise<SignedAccessToken> {
    const { signing } = await keys();
    const issuedAt = Math.floor(clock.now() / 1000);
    const expiresAt = issuedAt + ttlSeconds;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: signing.kid })
      .setIssuer(config.PUBLIC_URL)
      .setSubject(subject)
      .setAudience(config.API_AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(signing.key);
    return { token, expiresAt: expiresAt * 1000 };
  }

  return {
    sign: ({ userId, organizationId, role, familyId }) => signAccessToken({
      subject: userId,
      claims: { org: organizationId, scope: role, client_id: FIRST_PARTY_CLIENT_ID, gid: familyId },
      ttlSeconds: config.TIME_BASED_TOKEN_TTL_SECONDS,
    }),
    signAccessToken,
    close: off,
  };
}
