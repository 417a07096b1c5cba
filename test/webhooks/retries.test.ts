import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelayMs } from '../../src/webhooks/retry.js';
import { verify } from './helpers.js';
import { startWorkerFixture, type WorkerFixture } from './worker-fixture.js';

// Retries (issue 11, DESIGN.md "Webhooks") on a clock the test moves: the schedule here is
// 1 min, 10 min, 1 h with the jitter's randomness fixed at its middle, so each wait is exact.
const MINUTE = 60_000;

describe('webhook retries', () => {
  let f: WorkerFixture;
  beforeAll(async () => {
    f = await startWorkerFixture();
  });
  afterAll(() => f.close());
  // Each test's endpoint hears only that test's events.
  afterEach(() => f.runtime.db.knex('webhook_endpoints').update({ enabled: false }));

  const knex = () => f.runtime.db.knex;
  const delivery = async (endpointId: string) =>
    (await knex()('webhook_deliveries').where({ endpoint_id: endpointId }).first('status', 'attempt', 'next_attempt_at', 'last_response_status', 'last_error')) as {
      status: string; attempt: number; next_attempt_at: Date; last_response_status: number | null; last_error: string | null;
    };
  const endpointRow = async (id: string) =>
    (await knex()('webhook_endpoints').where({ id }).first('enabled', 'disabled_reason', 'failing_since', 'last_success_at')) as {
      enabled: boolean; disabled_reason: string | null; failing_since: Date | null; last_success_at: Date | null;
    };
  const at = (path: string) => f.receiver.received.filter((received) => received.path === path);

  it('retries on the schedule, then fails the delivery and disables an endpoint that never succeeded', async () => {
    const hook = await f.endpoint('/down');
    f.on('/down', () => ({ status: 500, body: 'x'.repeat(5_000) }));
    const started = f.clock.now();
    const eventId = await f.emit('ticket.created');
    await f.run();
    expect(await delivery(hook.id)).toEqual({
      status: 'pending', attempt: 1, next_attempt_at: new Date(started + MINUTE), last_response_status: 500, last_error: 'the endpoint answered 500',
    });
    expect(verify(hook.secret, at('/down')[0]!)).toMatchObject({ id: eventId, type: 'ticket.created' });
    expect((await endpointRow(hook.id)).failing_since).toEqual(new Date(started));

    f.clock.advance(MINUTE - 1);
    await f.run();
    expect(at('/down')).toHaveLength(1);
    f.clock.advance(1);
    await f.run();
    expect(at('/down')).toHaveLength(2);
    expect((await delivery(hook.id)).next_attempt_at).toEqual(new Date(f.clock.now() + 10 * MINUTE));
    f.clock.advance(10 * MINUTE);
    await f.run();
    expect((await delivery(hook.id)).next_attempt_at).toEqual(new Date(f.clock.now() + 60 * MINUTE));
    expect(await endpointRow(hook.id)).toMatchObject({ enabled: true });
    f.clock.advance(60 * MINUTE);
    await f.run();

    expect(at('/down').map((received) => received.id)).toEqual([eventId, eventId, eventId, eventId]);
    expect(await delivery(hook.id)).toMatchObject({ status: 'failed', attempt: 4 });
    expect(await endpointRow(hook.id)).toMatchObject({
      enabled: false, disabled_reason: 'Every delivery failed for the whole retry schedule (last: the endpoint answered 500).',
    });
    const attempts = (await knex()('webhook_attempts').where({ endpoint_id: hook.id }).orderBy('attempt')
      .select('attempt', 'started_at', 'response_status', 'response_body')) as { attempt: number; started_at: Date; response_status: number; response_body: string }[];
    expect(attempts.map((row) => [row.attempt, row.started_at.getTime() - started, row.response_status, row.response_body])).toEqual([
      [1, 0, 500, 'x'.repeat(1_024)], [2, MINUTE, 500, 'x'.repeat(1_024)], [3, 11 * MINUTE, 500, 'x'.repeat(1_024)], [4, 71 * MINUTE, 500, 'x'.repeat(1_024)],
    ]);
    // Disabled: later events are not even fanned out to it.
    await f.emit('ticket.created');
    await f.run();
    expect(await knex()('webhook_deliveries').where({ endpoint_id: hook.id }).select('event_id')).toEqual([{ event_id: eventId }]);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped at WEBHOOK_RETRY_AFTER_MAX_SECONDS', async () => {
    const hook = await f.endpoint('/busy');
    const answers = [
      { status: 503, headers: { 'retry-after': '120' } },
      { status: 429, headers: { 'retry-after': new Date(f.clock.now() + 120_000 + 300_000).toUTCString() } },
      { status: 503, headers: { 'retry-after': '999999' } },
      { status: 200 },
    ];
    f.on('/busy', () => answers.shift()!);
    await f.emit('ticket.updated');
    await f.run();
    expect((await delivery(hook.id)).next_attempt_at).toEqual(new Date(f.clock.now() + 120_000));
    f.clock.advance(120_000);
    await f.run();
    expect((await delivery(hook.id)).next_attempt_at).toEqual(new Date(f.clock.now() + 300_000));
    f.clock.advance(300_000);
    await f.run();
    expect((await delivery(hook.id)).next_attempt_at).toEqual(new Date(f.clock.now() + 3_600_000));
    f.clock.advance(3_600_000);
    await f.run();
    expect(await delivery(hook.id)).toMatchObject({ status: 'delivered', attempt: 4, last_response_status: 200, last_error: null });
    expect(await endpointRow(hook.id)).toMatchObject({ enabled: true, failing_since: null, last_success_at: new Date(f.clock.now()) });
  });

  it('410 Gone fails the delivery and disables the endpoint at once', async () => {
    const hook = await f.endpoint('/gone');
    f.on('/gone', () => ({ status: 410 }));
    await f.emit('chat.rated');
    await f.run();
    expect(await delivery(hook.id)).toMatchObject({ status: 'failed', attempt: 1, last_response_status: 410 });
    expect(await endpointRow(hook.id)).toMatchObject({ enabled: false, disabled_reason: 'The endpoint answered 410 Gone.' });
  });

  it('keeps an endpoint that succeeded meanwhile enabled when one delivery runs out of retries', async () => {
    const hook = await f.endpoint('/flaky', { events: ['ticket.status_changed', 'chat.ended'] });
    f.on('/flaky', (received) => ({ status: received.envelope.type === 'chat.ended' ? 204 : 500 }));
    await f.emit('ticket.status_changed');
    await f.run();
    f.clock.advance(MINUTE);
    await f.run();
    f.clock.advance(10 * MINUTE);
    await f.run();
    await f.emit('chat.ended');
    await f.run();
    expect(await endpointRow(hook.id)).toMatchObject({ failing_since: null, last_success_at: new Date(f.clock.now()) });
    f.clock.advance(60 * MINUTE);
    await f.run();
    expect(at('/flaky').map((received) => received.envelope.type)).toEqual(['ticket.status_changed', 'ticket.status_changed', 'ticket.status_changed', 'chat.ended', 'ticket.status_changed']);
    expect(await endpointRow(hook.id)).toMatchObject({ enabled: true, failing_since: new Date(f.clock.now()) });
  });

  it('jitters each wait by up to ±20% and reads Retry-After strictly', () => {
    const schedule = [60_000, 600_000];
    expect([0, 0.5, 1].map((r) => retryDelayMs(schedule, 1, () => r))).toEqual([48_000, 60_000, 72_000]);
    expect(retryDelayMs(schedule, 2, () => 0)).toBe(480_000);
    expect(retryDelayMs(schedule, 3, () => 0.5)).toBeUndefined();
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect([
      retryAfterMs('30', now, 3_600_000), retryAfterMs(' 30 ', now, 3_600_000), retryAfterMs('Tue, 01 Dec 2026 10:02:00 GMT', now, 3_600_000),
      retryAfterMs('Tue, 01 Dec 2026 09:00:00 GMT', now, 3_600_000), retryAfterMs('86400', now, 3_600_000), retryAfterMs('-5', now, 3_600_000),
      retryAfterMs('soon', now, 3_600_000), retryAfterMs(undefined, now, 3_600_000),
    ]).toEqual([30_000, 30_000, 120_000, 0, 3_600_000, undefined, undefined, undefined]);
  });
});
