import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrganization } from '../../src/db/accounts.js';
import { OUTBOX_CHANNEL } from '../../src/db/outbox-reads.js';
import { recordChange } from '../../src/domain/record-change.js';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { addEndpoint, startReceiver, verify, type Receiver } from './helpers.js';

// `gatehouse start` (role all) runs the webhook worker in its one process (issue 11: with the
// embedded database there is no other), and the gateway's /metrics shows the worker's metrics.
describe('webhook worker inside gatehouse start --role all', () => {
  let gatehouse: TestGatehouse;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    gatehouse = await startTestGatehouse({ config: { METRICS_PUBLIC: true, WEBHOOK_ALLOWED_HOSTS: [`127.0.0.1:${receiver.port}`] } });
  });
  afterAll(async () => {
    await gatehouse.stop();
    await receiver.close();
  });

  it('delivers a committed event and reports it on /metrics', async () => {
    const { knex } = gatehouse.runtime.db;
    const organization = await insertOrganization(knex, { name: 'Role all' });
    const hook = await addEndpoint(knex, gatehouse.runtime.secrets, organization.id, { url: `${receiver.url}/all` });
    const actor = { identity: { sub: randomUUID(), org: organization.id, kind: 'user' as const }, requestId: randomUUID() };
    await knex.transaction((trx) => recordChange(trx, actor, {
      action: 'tickets.create', resourceType: 'ticket', resourceId: 'ticket-1', events: [{ type: 'ticket.created', data: { id: 'ticket-1' } }],
    }));
    await gatehouse.runtime.bus.publish(OUTBOX_CHANNEL, {});
    const [delivery] = await receiver.waitFor(1);
    expect(verify(hook.secret, delivery!)).toMatchObject({ type: 'ticket.created', organization_id: organization.id, data: { id: 'ticket-1' } });

    // The attempt is recorded just after the answer, and the queue gauges read the database at most
    // every 100 ms: read /metrics until both show it (polled, no fixed wait).
    let metrics = '';
    await expect.poll(async () => {
      metrics = await (await fetch(`${gatehouse.url}/metrics`)).text();
      return metrics.includes('webhook_delivery_attempts_total{outcome="delivered"} 1') && /^webhook_queue_depth 0$/m.test(metrics);
    }, { timeout: 5_000, interval: 50 }).toBe(true);
    expect(metrics).toContain('webhook_delivery_attempts_total{outcome="delivered"} 1');
    expect(metrics).toContain('webhook_delivery_latency_seconds_count 1');
    expect(metrics).toContain('webhook_attempt_duration_seconds_count 1');
    expect(metrics).toMatch(/^webhook_queue_depth 0$/m);
    expect(metrics).toMatch(/^webhook_oldest_undelivered_seconds 0$/m);
  });
});
