import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimDueDeliveries } from '../../src/db/webhook-deliveries.js';
import type { Answer } from './helpers.js';
import { startWorkerFixture, type WorkerFixture } from './worker-fixture.js';

// How deliveries are claimed (issue 11): one conversation's events in order per endpoint, an
// endpoint's concurrency limit, two workers never sending one delivery at once, and a stopping
// worker giving back what it could not finish.
describe('webhook claims', () => {
  let f: WorkerFixture;
  beforeAll(async () => {
    f = await startWorkerFixture({ SHUTDOWN_TIMEOUT_MS: 50 });
  });
  afterAll(() => f.close());
  afterEach(() => f.runtime.db.knex('webhook_endpoints').update({ enabled: false }));

  const at = (path: string) => f.receiver.received.filter((received) => received.path === path);
  /** Answers held until released, counting how many were open at once. */
  function holding(path: string) {
    const held: (() => void)[] = [];
    let open = 0;
    let most = 0;
    f.on(path, () => {
      open += 1;
      most = Math.max(most, open);
      return new Promise<Answer>((resolve) => held.push(() => {
        open -= 1;
        resolve({ status: 204 });
      }));
    });
    return { held, most: () => most, releaseAll: () => held.splice(0).forEach((release) => release()) };
  }

  it("delivers one conversation's events in order: a later one waits while an earlier one is retried", async () => {
    await f.endpoint('/ordered');
    let failFirst = true;
    f.on('/ordered', () => {
      const status = failFirst ? 500 : 204;
      failFirst = false;
      return { status };
    });
    const [conversation, other] = [await f.conversation(), await f.conversation()];
    await f.emit('message.created', conversation);
    await f.emit('message.created', conversation);
    await f.emit('message.created', conversation);
    await f.emit('chat.started', other);
    await f.run();
    const sequences = () => at('/ordered').map((received) => [received.envelope.type, received.envelope.sequence]);
    // The first failed; its successors wait, the other conversation does not.
    expect(sequences()).toEqual([['message.created', 1], ['chat.started', 1]]);
    f.clock.advance(60_000);
    await f.run();
    expect(sequences()).toEqual([['message.created', 1], ['chat.started', 1], ['message.created', 1], ['message.created', 2], ['message.created', 3]]);
  });

  it("never has more of an endpoint's deliveries in flight than its max_concurrency", async () => {
    const hook = await f.endpoint('/narrow', { maxConcurrency: 2 });
    const answers = holding('/narrow');
    const base = f.receiver.received.length;
    for (let i = 0; i < 5; i++) await f.emit('ticket.created');
    f.worker.wake();
    await f.receiver.waitFor(base + 2);
    // With two in flight, nothing more of this endpoint can be claimed, by this worker or another.
    const claimed = await claimDueDeliveries(f.runtime.db.knex, { now: new Date(f.clock.now()), leaseMs: 30_000, limit: 10 });
    expect(claimed.filter((delivery) => delivery.endpoint_id === hook.id)).toEqual([]);
    for (let got = 2; got < 5; got = Math.min(5, got + 2)) {
      answers.releaseAll();
      await f.receiver.waitFor(base + Math.min(5, got + 2));
    }
    answers.releaseAll();
    await f.worker.settled();
    expect(answers.most()).toBe(2);
    expect(new Set(at('/narrow').map((received) => received.id)).size).toBe(5);
  });

  it('two workers never send one delivery twice', async () => {
    const second = f.secondWorker();
    const paths = ['/pair-a', '/pair-b', '/pair-c'];
    for (const path of paths) await f.endpoint(path, { maxConcurrency: 8 });
    for (let i = 0; i < 12; i++) await f.emit('ticket.updated', i % 3 === 0 ? undefined : await f.conversation());
    f.worker.wake();
    second.wake();
    await Promise.all([f.worker.settled(), second.settled()]);
    await f.run();
    for (const path of paths) {
      const ids = at(path).map((received) => received.id);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
    }
    const attempts = (await f.runtime.db.knex('webhook_attempts as a').join('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .where('d.event_type', 'ticket.updated').select('a.attempt')) as { attempt: number }[];
    expect(attempts.length).toBe(36);
    expect(attempts.every((row) => row.attempt === 1)).toBe(true);
    await second.stop();
  });

  it('a stopping worker gives its unfinished claims back, untried; another delivers them', async () => {
    const hook = await f.endpoint('/stuck');
    const answers = holding('/stuck');
    const base = f.receiver.received.length;
    await f.emit('chat.ended');
    f.worker.wake();
    await f.receiver.waitFor(base + 1);
    await f.worker.stop();
    const row = (await f.runtime.db.knex('webhook_deliveries').where({ endpoint_id: hook.id }).first('status', 'attempt', 'locked_until')) as Record<string, unknown>;
    expect(row).toEqual({ status: 'pending', attempt: 0, locked_until: null });
    expect(await f.runtime.db.knex('webhook_attempts').where({ endpoint_id: hook.id })).toEqual([]);
    answers.releaseAll();
    f.on('/stuck', () => ({ status: 204 }));
    await f.run(f.secondWorker());
    const ids = at('/stuck').map((received) => received.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(await f.runtime.db.knex('webhook_deliveries').where({ endpoint_id: hook.id }).first('status', 'attempt')).toEqual({ status: 'delivered', attempt: 1 });
  });
});
