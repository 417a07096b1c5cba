import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../api/harness.js';
import { startConversation } from '../api/resources/chat-fixtures.js';
import { addEndpoint, startReceiver, type Receiver } from './helpers.js';

// SSRF defence at connect time (issue 11): a webhook never reaches loopback, private, link-local,
// CGNAT or metadata addresses, however the URL spells them, whatever a name resolves to, and not
// through a redirect. A listener on every loopback address (v4 and v6) counts connections: it
// must see none. The expected refusals are written out here, not derived from the policy.
describe('webhook SSRF defence', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  let redirector: Receiver;
  let trap: net.Server;
  let trapPort: number;
  let trapped = 0;
  let worker: WebhookWorker;
  const logged: { msg: string; endpoint_id?: string; error?: string; refused?: boolean }[] = [];

  beforeAll(async () => {
    trap = net.createServer((socket) => {
      trapped += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen({ port: 0, host: '::', ipv6Only: false }, resolve));
    trapPort = (trap.address() as AddressInfo).port;
    redirector = await startReceiver();
    redirector.respond(() => ({ status: 302, headers: { location: `https://127.0.0.1:${trapPort}/` } }));
    api = await startApiHarness();
    tenant = await api.tenant();
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void logged.push(JSON.parse(line) as (typeof logged)[number]) } });
    worker = startWebhookWorker({
      knex: api.runtime.db.knex, bus: api.runtime.bus, clock: api.runtime.clock, logger, secrets: api.runtime.secrets, metrics: api.runtime.metrics,
      // Only the redirector's own host and port are exempt: the trap's port on the same address is not.
      config: { ...api.runtime.config, WEBHOOK_ALLOWED_HOSTS: [`127.0.0.1:${redirector.port}`] },
      resolve: async (hostname) => {
        if (hostname === 'internal.example.test') return [{ address: '127.0.0.1', family: 4 }];
        if (hostname === 'mixed.example.test') return [{ address: '10.1.2.3', family: 4 }, { address: '::ffff:169.254.169.254', family: 6 }];
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      },
    });
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
    await redirector.close();
    await new Promise((resolve) => trap.close(resolve));
  });

  it('refuses every non-public target with a logged reason, and nothing connects', async () => {
    const port = () => trapPort;
    const table: [url: string, error: string][] = [
      [`https://127.0.0.1:${port()}/`, 'refused 127.0.0.1: loopback address'],
      [`https://[::1]:${port()}/`, 'refused ::1: loopback address'],
      [`https://[::ffff:127.0.0.1]:${port()}/`, 'refused ::ffff:7f00:1: loopback address'],
      [`https://0x7f000001:${port()}/`, 'refused 127.0.0.1: loopback address'],
      [`https://2130706433:${port()}/`, 'refused 127.0.0.1: loopback address'],
      [`https://169.254.169.254:${port()}/latest/meta-data/`, 'refused 169.254.169.254: cloud metadata address'],
      [`https://[fd00:ec2::254]:${port()}/`, 'refused fd00:ec2::254: cloud metadata address'],
      [`https://10.0.0.1:${port()}/`, 'refused 10.0.0.1: private address'],
      [`https://192.168.1.1:${port()}/`, 'refused 192.168.1.1: private address'],
      [`https://172.16.5.4:${port()}/`, 'refused 172.16.5.4: private address'],
      [`https://100.64.0.1:${port()}/`, 'refused 100.64.0.1: carrier-grade NAT address'],
      [`https://169.254.10.10:${port()}/`, 'refused 169.254.10.10: link-local address'],
      [`https://[fe80::1]:${port()}/`, 'refused fe80::1: link-local address'],
      [`https://0.0.0.0:${port()}/`, 'refused 0.0.0.0: unspecified address'],
      [`https://224.0.0.1:${port()}/`, 'refused 224.0.0.1: multicast address'],
      [`https://internal.example.test:${port()}/`, 'refused internal.example.test (127.0.0.1): loopback address'],
      [`https://mixed.example.test:${port()}/`, 'refused mixed.example.test (10.1.2.3): private address'],
      [`http://hooks.example.test:${port()}/`, "refused hooks.example.test: only https is allowed (http only for the operator's WEBHOOK_ALLOWED_HOSTS)"],
      [`${redirector.url}/to-loopback`, 'the endpoint answered 302'],
    ];
    const endpoints = new Map<string, string>();
    for (const [url] of table) endpoints.set((await addEndpoint(api.runtime.db.knex, api.runtime.secrets, tenant.organizationId, { url })).id, url);
    await startConversation(api, tenant);
    worker.wake();
    await worker.settled();

    const attempts = (await api.runtime.db.knex('webhook_attempts').whereIn('endpoint_id', [...endpoints.keys()])
      .select('endpoint_id', 'attempt', 'response_status', 'error')) as { endpoint_id: string; attempt: number; response_status: number | null; error: string }[];
    const byUrl = new Map(attempts.map((row) => [endpoints.get(row.endpoint_id)!, row]));
    expect(table.map(([url]) => [url, byUrl.get(url)?.error])).toEqual(table);
    expect(attempts.every((row) => row.attempt === 1)).toBe(true);
    expect(byUrl.get(`${redirector.url}/to-loopback`)!.response_status).toBe(302);
    // The redirect reached the (allowed) redirector only; the trap saw no connection at all.
    expect(redirector.received.map((delivery) => delivery.path)).toEqual(['/to-loopback']);
    expect(trapped).toBe(0);

    const refusals = logged.filter((line) => line.msg === 'webhook delivery failed; will retry' && line.refused === true);
    expect(refusals.map((line) => [endpoints.get(line.endpoint_id!), line.error]).sort()).toEqual(table.slice(0, -1).sort());
    const deliveries = await api.runtime.db.knex('webhook_deliveries').whereIn('endpoint_id', [...endpoints.keys()]).distinct('status');
    expect(deliveries).toEqual([{ status: 'pending' }]);
  });
});
