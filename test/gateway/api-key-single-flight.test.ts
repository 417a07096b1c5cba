import { describe, expect, it } from 'vitest';
import { generateApiKey, type ApiKeyResolver } from '../../src/contract/api-key.js';
import type { Identity } from '../../src/contract/identity.js';
import { createAuthenticator } from '../../src/gateway/authenticate.js';
import type { TokenVerifier } from '../../src/gateway/verify-token.js';

// authenticate.ts: concurrent requests with one API key share one resolution.
describe('API-key resolution, shared between concurrent requests', () => {
  const identity: Identity = { sub: 'u-1', org: 'o-1', role: 'agent', scopes: ['agent'], kind: 'api_key', key_id: 'k-1' };
  const verifyToken = Object.assign(async () => undefined, { cached: () => undefined }) as unknown as TokenVerifier;

  function resolver(): ApiKeyResolver & { calls: number; release(): void } {
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const apiKeys = {
      calls: 0,
      release: () => release(),
      async resolve() {
        apiKeys.calls += 1;
        await gate;
        return identity;
      },
      forget() {},
    };
    return apiKeys;
  }

  it('resolves once for concurrent requests and hands them one caller', async () => {
    const apiKeys = resolver();
    const authenticate = createAuthenticator({ verifyToken, apiKeys, apiKeyCallerTtlMs: 1_000 });
    const key = generateApiKey();
    const pending = Array.from({ length: 10 }, () => authenticate(`Bearer ${key}`, ''));
    apiKeys.release();
    const callers = await Promise.all(pending);
    expect(apiKeys.calls).toBe(1);
    expect(new Set(callers).size).toBe(1);
    expect(callers[0]?.identity).toEqual(identity);
    expect(authenticate.cached(`Bearer ${key}`, '')).toBe(callers[0]);
  });

  it('does not share or keep a resolution begun before a user revocation', async () => {
    const apiKeys = resolver();
    const authenticate = createAuthenticator({ verifyToken, apiKeys, apiKeyCallerTtlMs: 1_000 });
    const key = generateApiKey();
    const before = authenticate(`Bearer ${key}`, '');
    authenticate.forgetApiKeyCallers();
    const after = authenticate(`Bearer ${key}`, '');
    apiKeys.release();
    await Promise.all([before, after]);
    expect(apiKeys.calls).toBe(2);
    expect(authenticate.cached(`Bearer ${key}`, '')).toBe(await after);
  });
});
