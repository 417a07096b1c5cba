import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnRedis } from '../helpers/own-redis.js';
import { memberKey, insertOrganizationWithWidget } from '../gateway/visitor-fixtures.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

// Found by the abuse benchmark: a client that left while its rate limits were being checked in
// Redis still took one of its principal's in-flight slots once the check answered, and nothing
// ever gave it back. With a cap of one, that principal was refused (429) for good. Here Redis is
// paused (CLIENT PAUSE WRITE holds the limiter's script) so the check waits for as long as the
// test needs: the client leaves, the gateway counts it as gone (499), Redis resumes, and the
// principal's next requests must still be served.

const METRICS_TOKEN = 'metrics-token-in-flight-leak-0123';

describe('a client that leaves during the rate-limit check', () => {
  let redis: Awaited<ReturnType<typeof startOwnRedis>>;
  let control: Redis;
  let gatehouse: TestGatehouse;
  let upstream: http.Server;
  let key: string;

  beforeAll(async () => {
    redis = await startOwnRedis();
    control = new Redis(redis.url, { lazyConnect: false });
    upstream = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"data":[]}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    gatehouse = await startTestGatehouse({
      config: {
        REDIS_URL: redis.url, METRICS_TOKEN, GATEWAY_MAX_IN_FLIGHT_PER_PRINCIPAL: 1,
        API_UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      },
    });
    const knex = gatehouse.runtime.db.knex;
    const { organizationId } = await insertOrganizationWithWidget(knex, ['https://leak.example']);
    key = await memberKey(knex, gatehouse.runtime.secrets.derive('api-key-hash'), organizationId, 'agent');
  });

  afterAll(async () => {
    await control?.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    control?.disconnect();
    await gatehouse?.stop();
    upstream?.close();
    await redis?.stop();
  });

  /** Polls `check` until it holds (the waits end on events in other processes, so no fixed sleep fits). */
  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting until ${what}`);
  }

  const blockedInRedis = async () => /blocked_clients:([1-9])/.test(String(await control.call('INFO', 'clients')));
  const leftCount = async () => {
    const text = await (await fetch(`${gatehouse.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    return Number(/gateway_requests_total\{operation="contacts.list",status="499"\} (\d+)/.exec(text)?.[1] ?? 0);
  };
  const call = () => fetch(`${gatehouse.url}/v2/contacts`, { headers: { authorization: key } });

  it('gives the principal its slot back: the requests after it are served, not refused 429', async () => {
    // The key is new, so its first limit check has to ask Redis.
    await control.call('CLIENT', 'PAUSE', '30000', 'WRITE');
    const leaving = http.request(`${gatehouse.url}/v2/contacts`, { headers: { authorization: key } });
    leaving.on('error', () => undefined);
    leaving.end();
    await until('the gateway waits on Redis for the limit check', blockedInRedis);
    leaving.destroy();
    await until('the gateway counts the request as left (499)', async () => (await leftCount()) === 1);
    await control.call('CLIENT', 'UNPAUSE');

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call()).status);
    expect(statuses).toEqual([200, 200, 200]);
  });
});
