import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiComponent } from '../../src/api/app.js';
import { EMPTY_BODY_SHA256, IDENTITY_HEADER, signIdentity } from '../../src/contract/identity.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import type { Component } from '../../src/shared/runtime.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// Issue 17, finding 8, the multi-process deployment (Postgres + Redis): an assertion used at one
// resource-API process is refused at every other, because the used ids are shared in Redis.
// (The embedded deployment is one process, whose own memory refuses replays: assertion-replay.test.ts.)

describe('assertion ids are shared between resource-API processes through Redis', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  let second: Component;
  let secondServer: RunningServer;
  beforeAll(async () => {
    api = await startApiHarness();
    expect(api.runtime.redis).toBeDefined();
    tenant = await api.tenant();
    // A second API process: its own pipeline and replay memory, the same database and Redis.
    second = createApiComponent(api.runtime);
    secondServer = await listen(second.listener!, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await secondServer?.close(1_000);
    await second?.stop();
    await api?.close();
  });

  it('refuses at the second process an assertion the first accepted (401)', async () => {
    const key = api.runtime.secrets.derive('identity-assertion');
    const assertion = await signIdentity(tenant.identity('agent'), key, { method: 'GET', path: '/v2/users/me', query: '', bodySha256: EMPTY_BODY_SHA256 });
    const send = (base: string) => fetch(`${base}/v2/users/me`, { headers: { [IDENTITY_HEADER]: assertion } });
    expect((await send(api.url)).status).toBe(200);
    const replayed = await send(secondServer.url);
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { error: string }).error).toBe('invalid_auth');
  });
});
