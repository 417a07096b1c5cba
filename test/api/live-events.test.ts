import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_CHANNEL } from '../../src/db/outbox-reads.js';
import type { Identity } from '../../src/contract/identity.js';
import { recordChange } from '../../src/domain/record-change.js';
import { readSse } from '../helpers/sse.js';
import { startApiHarness, type ApiHarness, type Tenant } from './harness.js';

// Live events in the resource API (issue 10, DESIGN.md "Real-time"): Server-Sent Events of what
// the one write path recorded. Writes here are what a handler does: recordChange in a
// transaction, then the wake-up on the bus (dispatch.ts publishes it after every write).

const alnum = (n: number) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);

describe('live events (resource API)', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  let other: Tenant;
  beforeAll(async () => {
    api = await startApiHarness();
    tenant = await api.tenant();
    other = await api.tenant();
  });
  afterAll(() => api.close());

  const knex = () => api.runtime.db.knex;

  async function visitor(org: Tenant): Promise<{ id: string; token: string; identity: Identity }> {
    const token = `vis_${alnum(24)}`;
    const [row] = await knex()('visitors').insert({ organization_id: org.organizationId, token, secret_hash: randomUUID() }).returning('id');
    const id = (row as { id: string }).id;
    return { id, token, identity: org.identity('guest', { kind: 'visitor', sub: id }) };
  }

  async function conversation(org: Tenant, visitorId: string | null = null): Promise<{ id: string; token: string }> {
    const token = `cnv_${alnum(24)}`;
    const [row] = await knex()('conversations').insert({ organization_id: org.organizationId, token, visitor_id: visitorId }).returning('id');
    return { id: (row as { id: string }).id, token };
  }

  /** One write with `count` message.created events on the conversation, committed, then announced. */
  async function write(org: Tenant, conversationId: string, texts: string[], options: { announce?: boolean; rollback?: boolean } = {}) {
    const caller = { identity: org.identity('agent'), requestId: randomUUID() };
    const work = knex().transaction(async (trx) => {
      await recordChange(trx, caller, {
        action: 'messages.create', resourceType: 'message', resourceId: randomUUID(), conversationId,
        events: texts.map((text) => ({ type: 'message.created' as const, data: { text } })),
      });
      if (options.rollback) throw new Error('rolled back on purpose');
    });
    if (options.rollback) await expect(work).rejects.toThrow('rolled back on purpose');
    else await work;
    if (options.announce !== false) await api.runtime.bus.publish(OUTBOX_CHANNEL, {});
  }

  const texts = (events: { data: string }[]) => events.map((event) => (JSON.parse(event.data) as { data: { text: string } }).data.text);

  it('replays a conversation from its start, then streams what follows, numbered by sequence', async () => {
    const { token, id } = await conversation(tenant);
    await write(tenant, id, ['one', 'two']);
    const res = await api.open(tenant.identity('agent'), `/v2/conversations/${token}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const sse = readSse(res);
    const replayed = await sse.take(2);
    expect(replayed.map((event) => [event.id, event.event])).toEqual([['1', 'message.created'], ['2', 'message.created']]);
    expect(texts(replayed)).toEqual(['one', 'two']);
    await write(tenant, id, ['three']);
    const live = await sse.next();
    expect([live.id, live.event, texts([live])[0]]).toEqual(['3', 'message.created', 'three']);
    const envelope = JSON.parse(live.data) as Record<string, unknown>;
    expect(envelope).toMatchObject({ type: 'message.created', organization_id: tenant.organizationId, sequence: 3, actor: { type: 'user', id: tenant.users.agent.id } });
    sse.close();
  });

  it('resumes after Last-Event-ID (or ?after) without losing or repeating an event', async () => {
    const { token, id } = await conversation(tenant);
    await write(tenant, id, ['a', 'b', 'c', 'd']);
    const byHeader = readSse(await api.open(tenant.identity('agent'), `/v2/conversations/${token}/events`, { 'last-event-id': '2' }));
    expect((await byHeader.take(2)).map((event) => event.id)).toEqual(['3', '4']);
    const byQuery = readSse(await api.open(tenant.identity('agent'), `/conversations/${token}/events?after=3`));
    expect((await byQuery.next()).id).toBe('4');
    await write(tenant, id, ['e']);
    expect((await byHeader.next()).id).toBe('5');
    expect((await byQuery.next()).id).toBe('5');
    byHeader.close();
    byQuery.close();
  });

  it('never streams a rolled-back change, and a lost wake-up only delays an event', async () => {
    const { token, id } = await conversation(tenant);
    const sse = readSse(await api.open(tenant.identity('agent'), `/v2/conversations/${token}/events`));
    await write(tenant, id, ['lost'], { rollback: true });
    await write(tenant, id, ['kept'], { announce: false });
    const event = await sse.next(3_000);
    expect([event.id, texts([event])[0]]).toEqual(['1', 'kept']);
    sse.close();
  });

  it('lets a visitor follow only its own conversation; others are not found', async () => {
    const mine = await visitor(tenant);
    const stranger = await visitor(tenant);
    const { token, id } = await conversation(tenant, mine.id);
    await write(tenant, id, ['hello']);
    const own = readSse(await api.open(mine.identity, `/v2/conversations/${token}/events`));
    expect(texts([await own.next()])).toEqual(['hello']);
    own.close();
    const cases: [string, Identity, number, string][] = [
      ['another visitor of the organization', stranger.identity, 404, 'not_found'],
      ['a guest user who takes no part', tenant.identity('guest'), 404, 'not_found'],
      ['an agent of another organization', other.identity('agent'), 404, 'not_found'],
    ];
    for (const [who, identity, status, error] of cases) {
      const res = await api.call(identity, 'GET', `/v2/conversations/${token}/events`);
      expect([who, res.status, res.body.error]).toEqual([who, status, error]);
    }
  });

  it('streams the organization\'s events to its agents only; a visitor may not follow them', async () => {
    const mine = await conversation(tenant);
    const theirs = await conversation(other);
    const sse = readSse(await api.open(tenant.identity('agent'), '/v2/events'));
    await write(other, theirs.id, ['not yours']);
    await write(tenant, mine.id, ['yours']);
    const event = await sse.next();
    expect(texts([event])).toEqual(['yours']);
    expect(Number(event.id)).toBeGreaterThan(0);
    // Resuming after that position gives nothing older.
    const resumed = readSse(await api.open(tenant.identity('agent'), '/v2/events', { 'last-event-id': event.id! }));
    await write(tenant, mine.id, ['next']);
    expect(texts([await resumed.next()])).toEqual(['next']);
    expect(texts([await sse.next()])).toEqual(['next']);
    sse.close();
    resumed.close();

    const guest = await visitor(tenant);
    const refused: [string, Identity, number, string][] = [
      ['a visitor', guest.identity, 403, 'insufficient_scope'],
      ['a guest user', tenant.identity('guest'), 403, 'insufficient_scope'],
    ];
    for (const [who, identity, status, error] of refused) {
      const res = await api.call(identity, 'GET', '/v2/events');
      expect([who, res.status, res.body.error]).toEqual([who, status, error]);
    }
  });
});

describe('live events at shutdown', () => {
  it('ends open streams when the API drains, so the listener can close', async () => {
    const api = await startApiHarness();
    const tenant = await api.tenant();
    const sse = readSse(await api.open(tenant.identity('agent'), '/v2/events'));
    const closing = api.close();
    await expect(sse.ended).resolves.toBeUndefined();
    await closing;
  });
});
