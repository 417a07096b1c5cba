import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

// Found by the Redis fault benchmark (bench/faults.ts): while Redis is down the event bus cannot
// publish, and a refresh token presented twice answered 500 although the family's revocation was
// already stored. The stored row is the revocation; the gateways learn it from the database at
// their periodic resync (or when the bus reconnects). A bus whose every publish fails stands in
// for the Redis outage here; the resync interval is short instead of waiting.

describe('revocations while the event bus cannot publish', () => {
  let gatehouse: TestGatehouse;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { GATEWAY_REVOCATION_RESYNC_MS: 100 } });
  });

  afterAll(async () => {
    await gatehouse?.stop();
  });

  const post = (body: unknown) => fetch(`${gatehouse.url}/v2/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  it('a reused refresh token answers 401 invalid_refresh_token, and its access token is refused after the resync', async () => {
    const signIn = await post({ email: 'admin@example.test', password: 'admin-password-1' });
    expect(signIn.status).toBe(200);
    const { token, refreshToken } = (await signIn.json()) as { token: string; refreshToken: string };
    const me = () => fetch(`${gatehouse.url}/v2/users/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await me()).status).toBe(200);

    const publish = vi.spyOn(gatehouse.runtime.bus, 'publish').mockRejectedValue(new Error('Connection is closed.'));
    try {
      expect((await post({ refreshToken, clientId: 'admin@example.test' })).status).toBe(200);
      const reuse = await post({ refreshToken, clientId: 'admin@example.test' });
      expect([reuse.status, ((await reuse.json()) as { error: string }).error]).toEqual([401, 'invalid_refresh_token']);
      expect(publish).toHaveBeenCalled();
      await expect.poll(async () => (await me()).status, { timeout: 10_000, interval: 50 }).toBe(401);
    } finally {
      publish.mockRestore();
    }
  });
});
