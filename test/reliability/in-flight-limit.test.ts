import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberKey, insertOrganizationWithWidget } from '../gateway/visitor-fixtures.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

// Found by the abuse benchmark (bench/abuse.ts): the rate limits count requests per window, so
// one API key sending slow requests could hold every connection of the gateway's bounded
// upstream pool and queue every other client behind it. A principal now has at most
// GATEWAY_MAX_IN_FLIGHT_PER_PRINCIPAL requests in flight; here 2, against an upstream that holds
// every answer until told.

describe('requests in flight per principal', () => {
  let gatehouse: TestGatehouse;
  let upstream: http.Server;
  const held: http.ServerResponse[] = [];
  let arrived: () => void = () => {};
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      req.resume();
      held.push(res);
      arrived();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const api = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gatehouse = await startTestGatehouse({ config: { API_UPSTREAM_URL: api, GATEWAY_MAX_IN_FLIGHT_PER_PRINCIPAL: 2 } });
    const knex = gatehouse.runtime.db.knex;
    const { organizationId } = await insertOrganizationWithWidget(knex, ['https://in-flight.example']);
    const hash = gatehouse.runtime.secrets.derive('api-key-hash');
    [keyA, keyB] = [await memberKey(knex, hash, organizationId, 'agent'), await memberKey(knex, hash, organizationId, 'agent')];
  });

  afterAll(async () => {
    upstream?.closeAllConnections();
    upstream?.close();
    await gatehouse?.stop();
  });

  const call = (key: string) => fetch(`${gatehouse.url}/v2/contacts`, { headers: { authorization: key } });
  const heldCount = (count: number) => new Promise<void>((resolve) => {
    arrived = () => held.length >= count && resolve();
    arrived();
  });
  const releaseAll = () => {
    for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"data":[]}');
  };

  it('refuses a principal\'s request beyond the cap with 429 at once, serves other principals, and counts down as answers end', async () => {
    const first = [call(keyA), call(keyA)];
    await heldCount(2);
    const refused = await call(keyA);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ ok: false, error: 'rate_limited', details: { in_flight_limit: 2 } });

    const other = call(keyB);
    await heldCount(3);
    releaseAll();
    expect((await Promise.all([...first, other])).map((r) => r.status)).toEqual([200, 200, 200]);

    const again = call(keyA);
    await heldCount(1);
    releaseAll();
    expect((await again).status).toBe(200);
  });
});
