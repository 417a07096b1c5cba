import type { Identity, IdentitySigner } from '../contract/identity.js';

type CallerIdentity = Omit<Identity, 'role'> & { role: Identity['role'] | undefined };

/**
 * Reuses an assertion for the same caller, method and path while it is younger than `reuseMs`
 * (it stays valid for at least 30 s − `reuseMs` when the API receives it). Keyed by the cached
 * caller object, so entries go with the token cache; at most 32 targets per caller.
 */
export function createReusingSigner(sign: IdentitySigner, reuseMs = 10_000): (identity: CallerIdentity, request: { method: string; path: string }) => string | undefined {
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
