import { createHmac } from 'node:crypto';
import type { Identity } from '../contract/identity.js';

/**
 * The identity assertion of contract/identity.ts (`signIdentity`), signed with node's HMAC
 * directly. Same token: HS256, `typ: gatehouse-identity+jwt`, issuer `gatehouse-gateway`, audience
 * `gatehouse-api`, 30 s lifetime, bound to method (`htm`) and path (`htu`). jose re-imports the raw
 * key into WebCrypto on every call, which cost more than the rest of the pipeline together
 * (docs/benchmarks.md); this keeps the key in one Hmac per call and stays synchronous.
 * The tests verify every assertion with the contract's `verifyIdentity`, so the two cannot drift.
 */
const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'gatehouse-identity+jwt' })).toString('base64url');
const lifetimeSeconds = 30;

export type AssertionSigner = (identity: Identity, request: { method: string; path: string }) => string;

export function createAssertionSigner(key: Uint8Array): AssertionSigner {
  return (identity, request) => {
    const iat = Math.floor(Date.now() / 1000);
    const claims = { ...identity, htm: request.method, htu: request.path, iss: 'gatehouse-gateway', aud: 'gatehouse-api', iat, exp: iat + lifetimeSeconds };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
}

type CallerIdentity = Omit<Identity, 'role'> & { role: Identity['role'] | undefined };

/**
 * Reuses an assertion for the same caller, method and path while it is younger than `reuseMs`
 * (it stays valid for at least 30 s − `reuseMs` when the API receives it). Keyed by the cached
 * caller object, so entries go with the token cache; at most 32 targets per caller.
 */
export function createReusingSigner(sign: AssertionSigner, reuseMs = 10_000): (identity: CallerIdentity, request: { method: string; path: string }) => string | undefined {
  const byCaller = new WeakMap<CallerIdentity, Map<string, { token: string; at: number }>>();
  return (identity, request) => {
    if (identity.role === undefined) return undefined;
    const now = Date.now();
    const key = `${request.method} ${request.path}`;
    let targets = byCaller.get(identity);
    const hit = targets?.get(key);
    if (hit && now - hit.at < reuseMs) return hit.token;
    const token = sign({ ...identity, role: identity.role }, request);
    if (!targets) byCaller.set(identity, (targets = new Map()));
    targets.delete(key);
    targets.set(key, { token, at: now });
    if (targets.size > 32) targets.delete(targets.keys().next().value!);
    return token;
  };
}
