import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/contract/identity.js';
import { OUTBOX_CHANNEL } from '../../../src/db/outbox-reads.js';
import { openWebhookSecret } from '../../../src/domain/webhook-secrets.js';
import { startApiHarness, type ApiHarness, type ApiResponse, type Tenant } from '../harness.js';

// Seed 000 "Manage webhooks" (issue 11): every operation by its literal path (under /v2,
// un-versioned and over RPC); the secret answered once and stored sealed; URL and events rules;
// rotation with its overlap; the delivery log, replays and test events as rows for the worker;
// roles below admin, API keys below admin, visitors and other organizations refused.

const OVERLAP_SECONDS = 3600;
const SECRET = /^whsec_[A-Za-z0-9+/]{32}$/;

type Webhook = { id: string; secret?: string; enabled: boolean; disabled_reason: string | null; failing_since: string | null; previous_secret_expires_at: string | null; counts: Record<string, number> } & Record<string, unknown>;
type Delivery = { id: string; event_id: string; event_type: string; status: string; attempt: number; duration_ms: number | null; next_attempt_at: string | null } & Record<string, unknown>;

describe('webhook endpoints (API)', () => {
  let api: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let admin: Identity;

  beforeAll(async () => {
    api = await startApiHarness({ config: { WEBHOOK_ALLOWED_HOSTS: ['receiver.test', '127.0.0.1:9999'], WEBHOOK_SECRET_OVERLAP_SECONDS: OVERLAP_SECONDS } });
    a = await api.tenant('Webhooks A');
    b = await api.tenant('Webhooks B');
    admin = a.identity('admin');
  });
  afterAll(() => api.close());

  const knex = () => api.runtime.db.knex;
  const ok = (res: ApiResponse, status = 200) => {
    expect([res.status, res.body.ok], JSON.stringify(res.body)).toEqual([status, true]);
    return res.body.data;
  };
  const refused = (res: ApiResponse) => [res.status, res.body.error, res.body.details?.fields];
  const create = async (body: Record<string, unknown> = {}, as: Identity = admin) =>
    ok(await api.call(as, 'POST', '/v2/webhooks', { url: 'https://hooks.example.test/in', events: ['chat.started'], ...body }), 201) as Webhook;
  /** A delivery as the worker would have left it, with its attempts. */
  async function insertDelivery(endpointId: string, values: { status: string; attempt?: number; created_at?: Date; durations?: number[]; organization_id?: string }) {
    const [row] = await knex()('webhook_deliveries').insert({
      organization_id: values.organization_id ?? a.organizationId, endpoint_id: endpointId, event_id: randomUUID(), event_type: 'chat.started',
      payload: JSON.stringify({ type: 'chat.started' }), status: values.status, attempt: values.attempt ?? (values.durations?.length ?? 0),
      next_attempt_at: new Date('2030-01-01T00:00:00Z'), last_response_status: values.status === 'delivered' ? 200 : 500, last_error: values.status === 'failed' ? 'HTTP 500' : null,
      delivered_at: values.status === 'delivered' ? new Date() : null, ...(values.created_at ? { created_at: values.created_at } : {}),
    }).returning(['id', 'organization_id']);
    for (const [index, duration] of (values.durations ?? []).entries()) {
      await knex()('webhook_attempts').insert({
        organization_id: row.organization_id, delivery_id: row.id, endpoint_id: endpointId, attempt: index + 1, started_at: new Date(), duration_ms: duration,
        response_status: 500, response_body: 'oops', error: null,
      });
    }
    return row.id as string;
  }

  it('creates an endpoint: 201 with its id and, this once, its secret, stored sealed and never answered again', async () => {
    const created = await create({ description: 'CRM', events: ['chat.started', 'ticket.created'] });
    expect(created).toEqual({
      id: expect.any(String), organization_id: a.organizationId, url: 'https://hooks.example.test/in', description: 'CRM', events: ['chat.started', 'ticket.created'],
      message_author_types: null, enabled: true, disabled_reason: null, disabled_at: null, failing_since: null, last_success_at: null,
      previous_secret_expires_at: null, counts: { pending: 0, failing: 0, delivered: 0, failed: 0 }, secret: expect.stringMatching(SECRET),
      created_at: expect.any(String), updated_at: expect.any(String),
    });
    const stored = await knex()('webhook_endpoints').where({ id: created.id }).first();
    expect(stored.secret).not.toContain(created.secret);
    expect(openWebhookSecret(api.runtime.secrets, created.id, stored.secret)).toBe(created.secret);

    const reads = [
      await api.call(admin, 'GET', `/v2/webhooks/${created.id}`), await api.call(admin, 'GET', `/webhooks/${created.id}`),
      await api.call(admin, 'GET', '/v2/webhooks?limit=100'), await api.call(admin, 'POST', '/v1/webhooks.fetch', { id: created.id }),
      await api.call(admin, 'POST', '/v1/webhooks.list', {}),
      await api.call(admin, 'PATCH', `/v2/webhooks/${created.id}`, { description: 'CRM sync' }),
    ];
    for (const res of reads) {
      const text = JSON.stringify(res.body);
      expect(res.status).toBe(200);
      expect(text).not.toContain(created.secret!);
      expect(text).not.toContain(stored.secret);
      expect(text).not.toContain('"secret"');
      expect(text).not.toContain('previous_secret"');
    }
    const audit = await knex()('audit_events').where({ resource_id: created.id });
    expect(audit.map((row) => row.action).sort()).toEqual(['webhooks.create', 'webhooks.update']);
    expect(JSON.stringify(audit)).not.toContain('whsec_');
    // Configuration changes are no events: nothing in the outbox.
    expect(await knex()('outbox_events').where({ resource_id: created.id })).toEqual([]);
  });

  it.each([
    ['https://hooks.example.test/path?q=1', undefined],
    ['http://receiver.test/in', undefined],
    ['http://receiver.test:8080/in', undefined],
    ['http://127.0.0.1:9999/in', undefined],
    ['http://127.0.0.1:9998/in', 'must be an https:// URL (plain http:// only for hosts the operator allows in WEBHOOK_ALLOWED_HOSTS)'],
    ['http://hooks.example.test/in', 'must be an https:// URL (plain http:// only for hosts the operator allows in WEBHOOK_ALLOWED_HOSTS)'],
    ['ftp://hooks.example.test/in', 'must be an https:// URL'],
    ['javascript:alert(1)', 'must be an https:// URL'],
    ['https://user:pass@hooks.example.test/in', 'must not contain a user name or password'],
    ['https://user@hooks.example.test/in', 'must not contain a user name or password'],
    ['/relative/path', 'must be an absolute URL such as https://example.com/hooks'],
    ['//hooks.example.test/in', 'must be an absolute URL such as https://example.com/hooks'],
    ['https://hooks.example.test/a b', 'must not contain spaces or control characters'],
    [`https://hooks.example.test/${'a'.repeat(2049 - 'https://hooks.example.test/'.length)}`, 'must be at most 2048 characters'],
    ['https://hooks.example.test/\u0000', 'must not contain NUL characters'],
    [42, 'must be a string'],
  ])('URL %j: %s', async (url, problem) => {
    const res = await api.call(admin, 'POST', '/v2/webhooks', { url, events: ['*'] });
    if (problem === undefined) expect(res.status, JSON.stringify(res.body)).toBe(201);
    else expect(refused(res)).toEqual([400, 'validation_failed', [{ field: 'url', message: problem }]]);
  });

  it('accepts a URL of exactly 2,048 characters, and checks the URL of an update too', async () => {
    const url = `https://hooks.example.test/${'a'.repeat(2048 - 'https://hooks.example.test/'.length)}`;
    const { id } = await create({ url });
    expect(refused(await api.call(admin, 'PATCH', `/v2/webhooks/${id}`, { url: 'http://hooks.example.test/' })))
      .toEqual([400, 'validation_failed', [{ field: 'url', message: 'must be an https:// URL (plain http:// only for hosts the operator allows in WEBHOOK_ALLOWED_HOSTS)' }]]);
    expect(refused(await api.call(admin, 'POST', '/v1/webhooks.update', { id, url: 'https://u:p@hooks.example.test/' })))
      .toEqual([400, 'validation_failed', [{ field: 'url', message: 'must not contain a user name or password' }]]);
  });

  it.each([
    [['*'], undefined],
    [['message.created', 'message.postback', 'ticket.status_changed'], undefined],
    [[], [{ field: 'events', message: 'must name at least one event type, or "*"' }]],
    [['chat.started', 'chat.started'], [{ field: 'events', message: 'must not name an event type twice' }]],
    [['*', 'chat.started'], [{ field: 'events', message: '"*" already means every event type: send it alone' }]],
    [['chat.started', 'chat.exploded'], [{ field: 'events[1]', message: 'must be one of *, chat.started, chat.ended, chat.rated, message.created, message.postback, ticket.created, ticket.updated, ticket.status_changed' }]],
    ['chat.started', [{ field: 'events', message: 'must be a list of event types' }]],
    [Array.from({ length: 10 }, () => 'chat.started'), [{ field: 'events', message: 'must not name an event type twice' }]],
    [undefined, [{ field: 'events', message: 'is required' }]],
  ])('events %j', async (events, problem) => {
    const res = await api.call(admin, 'POST', '/v2/webhooks', { url: 'https://hooks.example.test/e', events });
    if (problem === undefined) expect(res.status, JSON.stringify(res.body)).toBe(201);
    else expect(refused(res)).toEqual([400, 'validation_failed', problem]);
  });

  it('filters message.created by author type, and refuses unknown fields and author types', async () => {
    const bot = await create({ events: ['message.created'], message_author_types: ['visitor'] });
    expect(bot.message_author_types).toEqual(['visitor']);
    expect(refused(await api.call(admin, 'POST', '/v2/webhooks', { url: 'https://x.example.test/', events: ['*'], message_author_types: ['robot'] })))
      .toEqual([400, 'validation_failed', [{ field: 'message_author_types[0]', message: 'must be one of visitor, agent, bot, system' }]]);
    expect(refused(await api.call(admin, 'POST', '/v2/webhooks', { url: 'https://x.example.test/', events: ['*'], message_author_types: [] })))
      .toEqual([400, 'validation_failed', [{ field: 'message_author_types', message: 'must name at least one author type, or be null for all' }]]);
    expect(refused(await api.call(admin, 'POST', '/v2/webhooks', { url: 'https://x.example.test/', events: ['*'], secret: 'whsec_mine' })))
      .toEqual([400, 'validation_failed', [{ field: 'secret', message: 'is not a known field' }]]);
    const cleared = ok(await api.call(admin, 'PATCH', `/webhooks/${bot.id}`, { message_author_types: null })) as Webhook;
    expect(cleared.message_author_types).toBeNull();
  });

  it('disables and enables: enabling clears the reason, the time and the failure streak', async () => {
    const { id } = await create();
    const off = ok(await api.call(admin, 'PATCH', `/v2/webhooks/${id}`, { enabled: false })) as Webhook;
    expect([off.enabled, off.disabled_reason, typeof off.disabled_at]).toEqual([false, 'Disabled by an admin.', 'string']);
    // As the worker leaves an endpoint that failed for the whole schedule:
    await knex()('webhook_endpoints').where({ id }).update({ disabled_reason: 'Failing for 3 days', failing_since: new Date('2026-01-01T00:00:00Z') });
    const fetched = ok(await api.call(admin, 'GET', `/v2/webhooks/${id}`)) as Webhook;
    expect([fetched.disabled_reason, fetched.failing_since]).toEqual(['Failing for 3 days', '2026-01-01T00:00:00.000Z']);
    const on = ok(await api.call(admin, 'PATCH', `/v2/webhooks/${id}`, { enabled: true })) as Webhook;
    expect([on.enabled, on.disabled_reason, on.disabled_at, on.failing_since]).toEqual([true, null, null, null]);
    const disabledAtCreation = await create({ enabled: false });
    expect([disabledAtCreation.enabled, disabledAtCreation.disabled_reason]).toEqual([false, 'Disabled by an admin.']);
    const listed = ok(await api.call(admin, 'GET', '/v2/webhooks?enabled=false&limit=100')) as Webhook[];
    expect(listed.map((w) => w.id)).toContain(disabledAtCreation.id);
    expect(listed.every((w) => !w.enabled)).toBe(true);
  });

  it('rotates the secret: the new one answered once, the old one kept as previous until now + the overlap', async () => {
    const created = await create();
    const before = Date.now();
    const rotated = ok(await api.call(admin, 'POST', `/v2/webhooks/${created.id}/rotate-secret`)) as Webhook;
    const after = Date.now();
    expect(rotated.secret).toMatch(SECRET);
    expect(rotated.secret).not.toBe(created.secret);
    const expires = Date.parse(rotated.previous_secret_expires_at!);
    expect(expires).toBeGreaterThanOrEqual(before + OVERLAP_SECONDS * 1000);
    expect(expires).toBeLessThanOrEqual(after + OVERLAP_SECONDS * 1000);
    const row = await knex()('webhook_endpoints').where({ id: created.id }).first();
    expect(openWebhookSecret(api.runtime.secrets, created.id, row.secret)).toBe(rotated.secret);
    expect(openWebhookSecret(api.runtime.secrets, created.id, row.previous_secret)).toBe(created.secret);
    expect(new Date(row.previous_secret_expires_at).getTime()).toBe(expires);
    const fetched = ok(await api.call(admin, 'GET', `/v2/webhooks/${created.id}`)) as Webhook;
    expect([fetched.previous_secret_expires_at, 'secret' in fetched]).toEqual([rotated.previous_secret_expires_at, false]);
    const rpc = ok(await api.call(admin, 'POST', '/v1/webhooks.rotateSecret', { id: created.id })) as Webhook;
    const again = await knex()('webhook_endpoints').where({ id: created.id }).first();
    expect(openWebhookSecret(api.runtime.secrets, created.id, again.previous_secret)).toBe(rotated.secret);
    expect(openWebhookSecret(api.runtime.secrets, created.id, again.secret)).toBe(rpc.secret);
    const audit = await knex()('audit_events').where({ resource_id: created.id, action: 'webhooks.rotateSecret' });
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain('whsec_');
  });

  it('sends a test event: 202, a pending delivery of a fresh event id in no conversation, and the worker is woken', async () => {
    const { id } = await create();
    // The bus delivers asynchronously (through Redis on the postgres project): wait for both wake-ups.
    let wakes = 0;
    let woken!: () => void;
    const bothWoken = new Promise<void>((resolve) => { woken = resolve; });
    const unsubscribe = api.runtime.bus.subscribe(OUTBOX_CHANNEL, () => { if (++wakes === 2) woken(); });
    const first = ok(await api.call(admin, 'POST', `/v2/webhooks/${id}/test`), 202) as Delivery;
    const second = ok(await api.call(admin, 'POST', '/v1/webhooks.test', { id }), 202) as Delivery;
    await bothWoken;
    unsubscribe();
    expect(first).toMatchObject({ endpoint_id: id, event_type: 'webhook.test', status: 'pending', attempt: 0, response_status: null, duration_ms: null, error: null });
    expect(first.event_id).not.toBe(second.event_id);
    const row = await knex()('webhook_deliveries').where({ id: first.id }).first();
    expect([row.status, row.position, row.conversation_id, row.organization_id, row.event_id]).toEqual(['pending', null, null, a.organizationId, first.event_id]);
    expect(Math.abs(new Date(row.next_attempt_at).getTime() - Date.now())).toBeLessThan(60_000);
    expect(row.payload).toEqual({
      id: first.event_id, type: 'webhook.test', timestamp: expect.any(String), organization_id: a.organizationId,
      actor: { type: 'user', id: a.users.admin.id }, data: { webhook_id: id, message: expect.stringContaining('test event') },
    });
    const fetched = ok(await api.call(admin, 'GET', `/v2/webhooks/${id}`)) as Webhook;
    expect(fetched.counts).toEqual({ pending: 2, failing: 0, delivered: 0, failed: 0 });
  });

  it('lists deliveries newest first with the latest attempt, filtered by status and since, paged by cursor', async () => {
    const { id } = await create();
    const old = await insertDelivery(id, { status: 'failed', durations: [10, 20], created_at: new Date('2026-01-01T00:00:00Z') });
    const failed = await insertDelivery(id, { status: 'failed', durations: [30, 40, 50], created_at: new Date('2026-06-01T00:00:00Z') });
    const delivered = await insertDelivery(id, { status: 'delivered', durations: [7], created_at: new Date('2026-06-02T00:00:00Z') });
    const retrying = await insertDelivery(id, { status: 'pending', durations: [900], created_at: new Date('2026-06-03T00:00:00Z') });
    const all = ok(await api.call(admin, 'GET', `/v2/webhooks/${id}/deliveries`)) as Delivery[];
    expect(all.map((d) => [d.id, d.status, d.attempt, d.duration_ms])).toEqual([
      [retrying, 'pending', 1, 900], [delivered, 'delivered', 1, 7], [failed, 'failed', 3, 50], [old, 'failed', 2, 20],
    ]);
    expect(all[0]!.next_attempt_at).toBe('2030-01-01T00:00:00.000Z');
    expect(all[1]!.next_attempt_at).toBeNull();
    expect(all[2]).toMatchObject({ response_status: 500, error: 'HTTP 500', event_type: 'chat.started' });
    const onlyFailed = ok(await api.call(admin, 'GET', `/webhooks/${id}/deliveries?status=failed&since=2026-03-01T00:00:00Z`)) as Delivery[];
    expect(onlyFailed.map((d) => d.id)).toEqual([failed]);
    const first = await api.call(admin, 'GET', `/v2/webhooks/${id}/deliveries?limit=3`);
    const second = await api.call(admin, 'GET', `/v2/webhooks/${id}/deliveries?limit=3&cursor=${first.body.next_cursor}`);
    expect([...(first.body.data as Delivery[]), ...(second.body.data as Delivery[])].map((d) => d.id)).toEqual([retrying, delivered, failed, old]);
    expect(second.body.next_cursor).toBeNull();
    expect(refused(await api.call(admin, 'GET', `/v2/webhooks/${id}/deliveries?status=lost`))[0]).toBe(400);
    expect(refused(await api.call(admin, 'GET', `/v2/webhooks/${id}/deliveries?cursor=nonsense`))).toEqual([400, 'validation_failed', [{ field: 'cursor', message: 'is not a cursor this API issued' }]]);

    const details = ok(await api.call(admin, 'GET', `/v2/webhooks/${id}/deliveries/${failed}`)) as Delivery & { attempts: unknown[]; payload: unknown };
    expect(details.payload).toEqual({ type: 'chat.started' });
    expect(details.attempts).toEqual([30, 40, 50].map((duration, index) => ({
      attempt: index + 1, started_at: expect.any(String), duration_ms: duration, response_status: 500, response_body: 'oops', error: null,
    })));
    const counts = (ok(await api.call(admin, 'GET', `/v2/webhooks/${id}`)) as Webhook).counts;
    expect(counts).toEqual({ pending: 1, failing: 1, delivered: 1, failed: 2 });
  });

  it('replays one delivery (202, back to pending, due now, attempts kept) and all failed since a time (202, the count)', async () => {
    const { id } = await create();
    const old = await insertDelivery(id, { status: 'failed', durations: [1], created_at: new Date('2026-01-01T00:00:00Z') });
    const recent = [
      await insertDelivery(id, { status: 'failed', durations: [1, 2], created_at: new Date('2026-06-01T00:00:00Z') }),
      await insertDelivery(id, { status: 'failed', durations: [1], created_at: new Date('2026-06-02T00:00:00Z') }),
    ];
    const delivered = await insertDelivery(id, { status: 'delivered', durations: [1], created_at: new Date('2026-06-03T00:00:00Z') });
    const replayed = ok(await api.call(admin, 'POST', `/v2/webhooks/${id}/deliveries/${delivered}/replay`), 202) as Delivery;
    expect([replayed.id, replayed.status, replayed.attempt]).toEqual([delivered, 'pending', 1]);
    expect(Math.abs(Date.parse(replayed.next_attempt_at!) - Date.now())).toBeLessThan(60_000);
    const row = await knex()('webhook_deliveries').where({ id: delivered }).first();
    expect([row.status, row.delivered_at]).toEqual(['pending', null]);

    const all = ok(await api.call(admin, 'POST', `/v2/webhooks/${id}/replay`, { since: '2026-05-01T00:00:00Z' }), 202);
    expect(all).toEqual({ replayed: 2 });
    const statuses = Object.fromEntries((await knex()('webhook_deliveries').where({ endpoint_id: id })).map((d) => [d.id, d.status]));
    expect(statuses).toEqual({ [old]: 'failed', [recent[0]!]: 'pending', [recent[1]!]: 'pending', [delivered]: 'pending' });
    expect(ok(await api.call(admin, 'POST', '/v1/webhooks.replay', { id, since: '2025-01-01T00:00:00Z' }), 202)).toEqual({ replayed: 1 });
    expect(refused(await api.call(admin, 'POST', `/v2/webhooks/${id}/replay`, {}))).toEqual([400, 'validation_failed', [{ field: 'since', message: 'is required' }]]);
    expect(refused(await api.call(admin, 'POST', `/v2/webhooks/${id}/replay`, { since: 'yesterday' }))[0]).toBe(400);
    const actions = (await knex()('audit_events').where({ organization_id: a.organizationId }).whereIn('action', ['webhooks.replay', 'webhooks.deliveries.replay'])).map((r) => r.action);
    expect(actions.filter((x) => x === 'webhooks.replay').length).toBeGreaterThanOrEqual(2);
  });

  it('refuses to queue anything for a disabled endpoint (409), and deletes an endpoint with its log', async () => {
    const { id } = await create({ enabled: false });
    const delivery = await insertDelivery(id, { status: 'failed' });
    for (const [method, path, body] of [
      ['POST', `/v2/webhooks/${id}/test`, undefined], ['POST', `/v2/webhooks/${id}/deliveries/${delivery}/replay`, undefined],
      ['POST', `/v2/webhooks/${id}/replay`, { since: '2020-01-01T00:00:00Z' }],
    ] as const) {
      expect(refused(await api.call(admin, method, path, body)), path).toEqual([409, 'conflict', undefined]);
    }
    expect(ok(await api.call(admin, 'DELETE', `/v2/webhooks/${id}`))).toEqual({ id, deleted: true });
    expect(await knex()('webhook_deliveries').where({ endpoint_id: id })).toEqual([]);
    expect(refused(await api.call(admin, 'GET', `/v2/webhooks/${id}`))).toEqual([404, 'not_found', undefined]);
    expect(refused(await api.call(admin, 'DELETE', `/webhooks/${id}`))).toEqual([404, 'not_found', undefined]);
  });

  it("gives another organization's admin 404 for every operation on A's endpoint and deliveries, and A's deliveries under B's endpoint", async () => {
    const own = await create();
    const delivery = await insertDelivery(own.id, { status: 'failed' });
    const intruder = b.identity('admin');
    const bEndpoint = await create({}, intruder);
    const calls: Array<[string, string, unknown]> = [
      ['GET', `/v2/webhooks/${own.id}`, undefined], ['PATCH', `/v2/webhooks/${own.id}`, { enabled: false }], ['DELETE', `/v2/webhooks/${own.id}`, undefined],
      ['POST', `/v2/webhooks/${own.id}/rotate-secret`, undefined], ['POST', `/v2/webhooks/${own.id}/test`, undefined],
      ['POST', `/v2/webhooks/${own.id}/replay`, { since: '2020-01-01T00:00:00Z' }], ['GET', `/v2/webhooks/${own.id}/deliveries`, undefined],
      ['GET', `/v2/webhooks/${own.id}/deliveries/${delivery}`, undefined], ['POST', `/v2/webhooks/${own.id}/deliveries/${delivery}/replay`, undefined],
      ['GET', `/v2/webhooks/${bEndpoint.id}/deliveries/${delivery}`, undefined], ['POST', `/v2/webhooks/${bEndpoint.id}/deliveries/${delivery}/replay`, undefined],
      ['POST', '/v1/webhooks.deliveries.fetch', { id: own.id, deliveryId: delivery }], ['POST', '/v1/webhooks.rotateSecret', { id: own.id }],
    ];
    for (const [method, path, body] of calls) {
      expect(refused(await api.call(intruder, method, path, body)), `${method} ${path}`).toEqual([404, 'not_found', undefined]);
    }
    const row = await knex()('webhook_endpoints').where({ id: own.id }).first();
    expect([row.enabled, row.previous_secret]).toEqual([true, null]);
    expect((await knex()('webhook_deliveries').where({ endpoint_id: own.id })).map((d) => d.status)).toEqual(['failed']);
    const bList = ok(await api.call(intruder, 'GET', '/v2/webhooks?limit=100')) as Webhook[];
    expect(bList.map((w) => w.id)).toEqual([bEndpoint.id]);
  });

  it('refuses every webhook operation to roles below admin, API keys below admin and visitors (403 insufficient_scope)', async () => {
    const { id } = await create();
    const delivery = await insertDelivery(id, { status: 'failed' });
    const visitorId = randomUUID();
    await knex()('visitors').insert({ id: visitorId, organization_id: a.organizationId, token: `vis_${'w'.repeat(24)}`, secret_hash: `hash-${visitorId}`, context: {} });
    const callers: Array<[string, Identity]> = [
      ...(['guest', 'agent', 'bot'] as const).map((role) => [role, a.identity(role)] as [string, Identity]),
      ['bot API key of an admin', a.identity('bot', { sub: a.users.admin.id, kind: 'api_key', key_id: randomUUID() })],
      ['visitor', a.identity('guest', { kind: 'visitor', sub: visitorId })],
    ];
    const calls: Array<[string, string, unknown]> = [
      ['GET', '/v2/webhooks', undefined], ['POST', '/v2/webhooks', { url: 'https://x.example.test/', events: ['*'] }],
      ['GET', `/v2/webhooks/${id}`, undefined], ['PATCH', `/webhooks/${id}`, { enabled: false }], ['DELETE', `/v2/webhooks/${id}`, undefined],
      ['POST', `/v2/webhooks/${id}/rotate-secret`, undefined], ['POST', `/v2/webhooks/${id}/test`, undefined],
      ['POST', `/v2/webhooks/${id}/replay`, { since: '2020-01-01T00:00:00Z' }], ['GET', `/v2/webhooks/${id}/deliveries`, undefined],
      ['GET', `/v2/webhooks/${id}/deliveries/${delivery}`, undefined], ['POST', `/v2/webhooks/${id}/deliveries/${delivery}/replay`, undefined],
      ['POST', '/v1/webhooks.list', {}], ['POST', '/v1/webhooks.create', { url: 'https://x.example.test/', events: ['*'] }],
      ['POST', '/v1/webhooks.rotateSecret', { id }], ['POST', '/v1/webhooks.deliveries.list', { id }],
    ];
    for (const [who, identity] of callers) {
      for (const [method, path, body] of calls) {
        expect(refused(await api.call(identity, method, path, body)), `${who} ${method} ${path}`).toEqual([403, 'insufficient_scope', undefined]);
      }
    }
    const row = await knex()('webhook_endpoints').where({ id }).first();
    expect([row.enabled, row.previous_secret]).toEqual([true, null]);
    expect(await knex()('webhook_deliveries').where({ endpoint_id: id }).count({ n: '*' }).first().then((r) => Number(r!.n))).toBe(1);
  });

  it('answers 404 to path variants and not-a-uuid ids, never a 500', async () => {
    const { id } = await create();
    for (const path of [`/v2/Webhooks/${id}`, `/V2/webhooks/${id}`, `/v2/webhooks/${id}/deliveries/not-a-uuid`, '/v2/webhooks/not-a-uuid', `/v2/webhooks/${id.toUpperCase()}x`]) {
      const res = await api.call(admin, 'GET', path);
      expect(res.status, path).toBe(404);
    }
  });
});
