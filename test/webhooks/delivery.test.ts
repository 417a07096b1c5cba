import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_CHANNEL } from '../../src/db/outbox-reads.js';
import { recordChange } from '../../src/domain/record-change.js';
import { generateWebhookSecret } from '../../src/domain/webhook-secrets.js';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.js';
import { startApiHarness, type ApiHarness, type Tenant } from '../api/harness.js';
import { addVisitor, ok, startConversation, text } from '../api/resources/chat-fixtures.js';
import { addEndpoint, startReceiver, verify, type Receiver } from './helpers.js';

// Signed delivery of real events (issue 11, DESIGN.md "Webhooks"): the API writes them through
// the one write path and announces them on the bus; the worker, woken by the announcement, fans
// them out and delivers them to a loopback receiver that verifies each with `standardwebhooks`.
describe('webhook delivery', () => {
  let api: ApiHarness;
  let receiver: Receiver;
  let worker: WebhookWorker;
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    receiver = await startReceiver();
    api = await startApiHarness();
    worker = startWebhookWorker({
      knex: api.runtime.db.knex, bus: api.runtime.bus, clock: api.runtime.clock, logger: api.runtime.logger, secrets: api.runtime.secrets,
      metrics: api.runtime.metrics, // Polling only every ten minutes: what arrives came because the bus woke the worker.
      config: { ...api.runtime.config, WEBHOOK_ALLOWED_HOSTS: [`127.0.0.1:${receiver.port}`], WEBHOOK_POLL_INTERVAL_MS: 600_000 },
    });
    [a, b] = [await api.tenant(), await api.tenant()];
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
    await receiver.close();
  });

  const knex = () => api.runtime.db.knex;
  const endpoint = (tenant: Tenant, path: string, options: Partial<Parameters<typeof addEndpoint>[3]> = {}) =>
    addEndpoint(knex(), api.runtime.secrets, tenant.organizationId, { url: `${receiver.url}${path}`, ...options });
  const at = (path: string) => receiver.received.filter((delivery) => delivery.path === path);
  /** Waits until the worker has nothing left to do (a wake-up over Redis may still be on its way). */
  const idle = async () => {
    worker.wake();
    await worker.settled();
  };

  it('delivers chat.started and message.created when the bus wakes it, signed, with the event id as webhook-id on every retry', async () => {
    const hook = await endpoint(a, '/all');
    const token = await startConversation(api, a);
    ok(await api.call(a.identity('agent'), 'POST', `/v2/conversations/${token}/messages`, { content: text('Hello') }), 201);
    await receiver.waitFor(2);
    await worker.settled();
    const got = at('/all');
    expect(got.map((delivery) => delivery.envelope.type)).toEqual(['chat.started', 'message.created']);
    for (const delivery of got) {
      expect(verify(hook.secret, delivery)).toEqual(delivery.envelope);
      expect(delivery.envelope.organization_id).toBe(a.organizationId);
      expect(delivery.id).toBe(delivery.envelope.id);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.signature.split(' ')).toHaveLength(1);
    }
    expect(got.map((delivery) => delivery.envelope.sequence)).toEqual([1, 2]);
    const outbox = (await knex()('outbox_events').join('conversations', 'conversations.id', 'outbox_events.conversation_id')
      .where('conversations.token', token).orderBy('position').select('outbox_events.id', 'outbox_events.dispatched_at')) as { id: string; dispatched_at: Date | null }[];
    expect(got.map((delivery) => delivery.id)).toEqual(outbox.map((row) => row.id));
    expect(outbox.every((row) => row.dispatched_at !== null)).toBe(true);
    const deliveries = await knex()('webhook_deliveries').where({ endpoint_id: hook.id }).orderBy('position').select('status', 'attempt', 'last_response_status');
    expect(deliveries).toEqual([{ status: 'delivered', attempt: 1, last_response_status: 204 }, { status: 'delivered', attempt: 1, last_response_status: 204 }]);
    const attempts = await knex()('webhook_attempts').where({ endpoint_id: hook.id }).select('attempt', 'response_status', 'error');
    expect(attempts).toEqual([{ attempt: 1, response_status: 204, error: null }, { attempt: 1, response_status: 204, error: null }]);
    const [endpointRow] = await knex()('webhook_endpoints').where({ id: hook.id }).select('last_success_at', 'failing_since');
    expect(endpointRow.last_success_at).toBeInstanceOf(Date);
    expect(endpointRow.failing_since).toBeNull();
  });

  it('sends only the subscribed events, and message.created only for the chosen author types', async () => {
    const bot = await endpoint(a, '/bot', { events: ['message.created'], messageAuthorTypes: ['visitor'] });
    const ended = await endpoint(a, '/ended', { events: ['chat.ended'] });
    const visitor = await addVisitor(api, a);
    const token = await startConversation(api, a, visitor);
    ok(await api.call(visitor.identity, 'POST', `/v2/conversations/${token}/messages`, { content: text('I need help') }), 201);
    ok(await api.call(a.identity('agent'), 'POST', `/v2/conversations/${token}/messages`, { content: text('How can I help?') }), 201);
    ok(await api.call(visitor.identity, 'POST', `/v2/conversations/${token}/messages`, { content: text('My order') }), 201);
    await idle();
    const heard = at('/bot');
    expect(heard.map((delivery) => [delivery.envelope.type, (delivery.envelope.data.author as { type: string }).type])).toEqual([
      ['message.created', 'visitor'], ['message.created', 'visitor'],
    ]);
    for (const delivery of heard) verify(bot.secret, delivery);
    expect(at('/ended')).toEqual([]);
    expect(await knex()('webhook_deliveries').where({ endpoint_id: ended.id })).toEqual([]);
  });

  it("never sends one organization's events to another's endpoints", async () => {
    await endpoint(a, '/a-only');
    await endpoint(b, '/b-only');
    await startConversation(api, b);
    await startConversation(api, b);
    await idle();
    expect(at('/a-only')).toEqual([]);
    expect(at('/b-only').map((delivery) => [delivery.envelope.type, delivery.envelope.organization_id])).toEqual([
      ['chat.started', b.organizationId], ['chat.started', b.organizationId],
    ]);
  });

  it('emits nothing for a change rolled back, and skips disabled endpoints', async () => {
    await endpoint(a, '/rollback');
    const disabled = await endpoint(a, '/disabled');
    await knex()('webhook_endpoints').where({ id: disabled.id }).update({ enabled: false });
    const resourceId = randomUUID();
    await expect(knex().transaction(async (trx) => {
      await recordChange(trx, { identity: a.identity('admin'), requestId: randomUUID() }, {
        action: 'tickets.create', resourceType: 'ticket', resourceId, events: [{ type: 'ticket.created', data: { id: resourceId } }],
      });
      throw new Error('rolled back on purpose');
    })).rejects.toThrow('rolled back on purpose');
    await api.runtime.bus.publish(OUTBOX_CHANNEL, {});
    await idle();
    expect(at('/rollback')).toEqual([]);
    expect(await knex()('outbox_events').where({ resource_id: resourceId })).toEqual([]);
    // The worker is alive: the next committed change arrives.
    await startConversation(api, a);
    await idle();
    expect(at('/rollback').map((delivery) => delivery.envelope.type)).toEqual(['chat.started']);
    expect(at('/disabled')).toEqual([]);
  });

  it('signs with both secrets during a rotation: either alone verifies; after the overlap only the new one signs', async () => {
    const old = generateWebhookSecret();
    const rotating = await endpoint(b, '/rotating', { previous: { secret: old, expiresAt: new Date(Date.now() + 60_000) } });
    await startConversation(api, b);
    await idle();
    const [during] = at('/rotating');
    expect(during!.signature.split(' ')).toHaveLength(2);
    expect(verify(rotating.secret, during!)).toEqual(during!.envelope);
    expect(verify(old, during!)).toEqual(during!.envelope);
    expect(() => verify(generateWebhookSecret(), during!)).toThrow('No matching signature found');

    await knex()('webhook_endpoints').where({ id: rotating.id }).update({ previous_secret_expires_at: new Date(Date.now() - 1_000) });
    await startConversation(api, b);
    await idle();
    const after = at('/rotating')[1]!;
    expect(after.signature.split(' ')).toHaveLength(1);
    expect(verify(rotating.secret, after)).toEqual(after.envelope);
    expect(() => verify(old, after)).toThrow('No matching signature found');
  });
});
