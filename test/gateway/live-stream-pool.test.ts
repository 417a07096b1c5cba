import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { readSse, type SseReader } from '../helpers/sse.js';
import { call, insertOrganizationWithWidget, memberKey } from './visitor-fixtures.js';

// Found by bench/chat.ts (issue 10): an open live stream holds its upstream connection, so with
// streams in the bounded API pool, GATEWAY_UPSTREAM_CONNECTIONS open streams queued every other
// API request (and the next stream) behind them. Streams have their own pool now.

describe('live streams beside the bounded upstream pool', () => {
  let gatehouse: TestGatehouse;
  let agent: string;
  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { GATEWAY_UPSTREAM_CONNECTIONS: 2 } });
    const knex = gatehouse.runtime.db.knex;
    const widget = await insertOrganizationWithWidget(knex, ['https://pool.example']);
    agent = await memberKey(knex, gatehouse.runtime.secrets.derive('api-key-hash'), widget.organizationId, 'agent');
  });
  afterAll(() => gatehouse?.stop());

  it('more streams than upstream connections stay open, and requests still answer beside them', async () => {
    const streams: SseReader[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${gatehouse.url}/v2/events`, { headers: { authorization: agent } });
      expect(res.status, `stream ${i}`).toBe(200);
      streams.push(readSse(res));
    }
    const started = await call(gatehouse.url, 'POST', '/v2/conversations', { headers: { authorization: agent }, body: { subject: 'Beside the streams' } });
    expect(started.status).toBe(201);
    const listed = await call(gatehouse.url, 'GET', '/v2/conversations', { headers: { authorization: agent } });
    expect(listed.status).toBe(200);
    for (const stream of streams) expect((await stream.next(5_000)).event).toBe('chat.started');
    for (const stream of streams) stream.close();
  });
});
