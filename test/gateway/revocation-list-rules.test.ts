import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Revocation } from '../../src/db/revocations.js';
import { createRevocationList, type RevocationList } from '../../src/gateway/revocation-list.js';
import { createInProcessBus, type EventBus } from '../../src/shared/bus.js';
import { fixedClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';

// revocation-list.ts in-process: the in-process bus (plus a reconnect the test fires, which the
// in-process bus never does on its own), a clock the test moves, a real pino logger writing into
// an array, and the `revocations` table as literal rows. The resync interval runs on vitest's
// fake setInterval only (nothing else is faked): the test moves it, never waits for it.

const start = Date.parse('2026-12-02T10:00:00Z');
const resyncMs = 1_000;

interface Row { kind: Revocation['kind']; subject: string; not_before: Date | null; expires_at: Date }

/** Every macrotask-free continuation (bus deliveries, loads) has run once this resolves. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the revocation list', () => {
  let clock: ReturnType<typeof fixedClock>;
  let rows: Row[];
  let failing: boolean;
  let heldLoads: Array<() => void> | undefined;
  let queries: Array<[string, string, string, number]>;
  let logLines: Array<{ level: string; msg: string; err?: { message: string } }>;
  let heard: Revocation[];
  let missed: number;
  let reconnectHandlers: Set<() => void>;
  let bus: EventBus;
  let list: RevocationList;

  // The one query the list makes (loadActiveRevocations: `knex('revocations').where(...)`),
  // answered with the literal rows of the test: the shape knex offers, no more.
  const knex = ((table: string) => ({
    where: async (column: string, operator: string, value: Date) => {
      queries.push([table, column, operator, value.getTime()]);
      if (failing) throw new Error('database away');
      // The rows as they are when the query runs; held, the answer arrives when the test says.
      const snapshot = rows;
      if (heldLoads) return new Promise<Row[]>((resolve) => heldLoads!.push(() => resolve(snapshot)));
      return snapshot;
    },
  })) as unknown as Knex; // only the query above is ever made

  function build(): RevocationList {
    return createRevocationList({
      knex, bus, clock, resyncMs,
      logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } }),
      onRevoked: (revocation) => void heard.push(revocation),
      onEventsMissed: () => void (missed += 1),
    });
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    clock = fixedClock(start);
    rows = [];
    failing = false;
    heldLoads = undefined;
    queries = [];
    logLines = [];
    heard = [];
    missed = 0;
    reconnectHandlers = new Set();
    const inProcess = createInProcessBus();
    bus = {
      ...inProcess,
      onReconnect(handler) {
        reconnectHandlers.add(handler);
        return () => void reconnectHandlers.delete(handler);
      },
    };
  });
  afterEach(() => {
    list?.stop();
    vi.useRealTimers();
  });

  const reconnect = () => {
    for (const handler of reconnectHandlers) handler();
  };

  it('loads the live rows at start, is not ready before, and reads them by kind and subject', async () => {
    rows = [
      { kind: 'token', subject: 'jti-1', not_before: null, expires_at: new Date(start + 60_000) },
      { kind: 'user', subject: 'user-1', not_before: new Date(start - 5_000), expires_at: new Date(start + 60_000) },
      { kind: 'membership', subject: 'org-a/user-2', not_before: new Date(start - 1_000), expires_at: new Date(start + 60_000) },
      { kind: 'client', subject: 'client-1', not_before: null, expires_at: new Date(start + 60_000) },
    ];
    list = build();
    expect(list.loaded).toBe(false);
    await list.ready;
    expect(list.loaded).toBe(true);
    expect(queries).toEqual([['revocations', 'expires_at', '>', start]]);
    expect(list.size).toBe(4);
    expect(heard).toEqual([
      { kind: 'token', subject: 'jti-1', expiresAt: start + 60_000 },
      { kind: 'user', subject: 'user-1', notBefore: start - 5_000, expiresAt: start + 60_000 },
      { kind: 'membership', subject: 'org-a/user-2', notBefore: start - 1_000, expiresAt: start + 60_000 },
      { kind: 'client', subject: 'client-1', notBefore: 0, expiresAt: start + 60_000 },
    ]);

    const revoked: Array<[Parameters<RevocationList['isRevoked']>[0], string, boolean]> = [
      ['token', 'jti-1', true],
      ['token', 'jti-2', false],
      ['grant', 'jti-1', false],
      ['api_key', 'jti-1', false],
    ];
    for (const [kind, subject, answer] of revoked) expect([kind, subject, list.isRevoked(kind, subject)]).toEqual([kind, subject, answer]);

    const cutoffs: Array<[Parameters<RevocationList['notBefore']>[0], string, number | undefined]> = [
      ['user', 'user-1', start - 5_000],
      ['user', 'user-2', undefined],
      ['membership', 'org-a/user-2', start - 1_000],
      ['membership', 'org-b/user-2', undefined],
      ['membership', 'org-a/user-1', undefined],
      ['client', 'client-1', 0],
      ['visitor', 'user-1', undefined],
      ['client', 'user-1', undefined],
    ];
    for (const [kind, subject, answer] of cutoffs) expect([kind, subject, list.notBefore(kind, subject)]).toEqual([kind, subject, answer]);
  });

  it('forgets an entry at its expiry to the millisecond, for reads at once and for the count at the next sweep', async () => {
    rows = [
      { kind: 'grant', subject: 'grant-1', not_before: null, expires_at: new Date(start + 10_000) },
      { kind: 'visitor', subject: 'visitor-1', not_before: new Date(start), expires_at: new Date(start + 10_000) },
      { kind: 'api_key', subject: 'key-1', not_before: null, expires_at: new Date(start + 10_001) },
    ];
    list = build();
    await list.ready;
    rows = [];

    clock.set(start + 9_999);
    expect([list.isRevoked('grant', 'grant-1'), list.notBefore('visitor', 'visitor-1'), list.isRevoked('api_key', 'key-1')]).toEqual([true, start, true]);
    clock.set(start + 10_000);
    expect([list.isRevoked('grant', 'grant-1'), list.notBefore('visitor', 'visitor-1'), list.isRevoked('api_key', 'key-1')]).toEqual([false, undefined, true]);
    expect(list.size).toBe(3);

    // The sweep drops what expired (at or before now), keeps the rest, and reloads.
    vi.advanceTimersByTime(resyncMs - 1);
    expect(list.size).toBe(3);
    expect(queries.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(list.size).toBe(1);
    await flush();
    expect(queries).toEqual([['revocations', 'expires_at', '>', start], ['revocations', 'expires_at', '>', start + 10_000]]);
    clock.set(start + 10_001);
    expect(list.isRevoked('api_key', 'key-1')).toBe(false);
    vi.advanceTimersByTime(resyncMs);
    expect(list.size).toBe(0);
  });

  it('applies revocations from the bus, including one that arrives before the first load ends', async () => {
    list = build();
    const early: Revocation = { kind: 'api_key', subject: 'key-early', expiresAt: start + 60_000 };
    await bus.publish('revocations', early);
    await flush();
    await list.ready;
    expect(list.isRevoked('api_key', 'key-early')).toBe(true);

    const cutoff: Revocation = { kind: 'membership', subject: 'org-b/user-9', notBefore: start + 2, expiresAt: start + 60_000 };
    await bus.publish('revocations', cutoff);
    await bus.publish('not-revocations', { kind: 'token', subject: 'jti-elsewhere', expiresAt: start + 60_000 });
    await flush();
    expect(list.notBefore('membership', 'org-b/user-9')).toBe(start + 2);
    expect(list.notBefore('membership', 'org-a/user-9')).toBeUndefined();
    expect(list.notBefore('user', 'user-9')).toBeUndefined();
    expect(list.isRevoked('token', 'jti-elsewhere')).toBe(false);
    expect(heard).toEqual([early, cutoff]);
  });

  const malformed: Array<[string, unknown]> = [
    ['null', null],
    ['a string', 'token jti-x'],
    ['no subject', { kind: 'token', expiresAt: start + 60_000 }],
    ['a numeric subject', { kind: 'token', subject: 7, expiresAt: start + 60_000 }],
    ['no expiry', { kind: 'token', subject: 'jti-x' }],
    ['an expiry as a string', { kind: 'token', subject: 'jti-x', expiresAt: String(start + 60_000) }],
    ['no kind', { subject: 'jti-x', expiresAt: start + 60_000 }],
    ['a numeric kind', { kind: 1, subject: 'jti-x', expiresAt: start + 60_000 }],
    ['an unknown kind', { kind: 'session', subject: 'jti-x', expiresAt: start + 60_000 }],
    ['a cut-off without notBefore', { kind: 'user', subject: 'jti-x', expiresAt: start + 60_000 }],
    ['a cut-off with notBefore as a string', { kind: 'visitor', subject: 'jti-x', notBefore: String(start), expiresAt: start + 60_000 }],
  ];
  it.each(malformed)('ignores a bus message with %s, and says so', async (_name, message) => {
    list = build();
    await list.ready;
    await bus.publish('revocations', message);
    await flush();
    expect(list.size).toBe(0);
    expect(heard).toEqual([]);
    expect(logLines.map(({ level, msg }) => [level, msg])).toEqual([['warn', 'ignored a malformed revocation event']]);
  });

  const wellFormed: Revocation[] = [
    { kind: 'token', subject: 'jti-x', expiresAt: start + 60_000 },
    { kind: 'grant', subject: 'jti-x', expiresAt: start + 60_000 },
    { kind: 'api_key', subject: 'jti-x', expiresAt: start + 60_000 },
    { kind: 'user', subject: 'jti-x', notBefore: start, expiresAt: start + 60_000 },
    { kind: 'membership', subject: 'jti-x', notBefore: start, expiresAt: start + 60_000 },
    { kind: 'client', subject: 'jti-x', notBefore: start, expiresAt: start + 60_000 },
    { kind: 'visitor', subject: 'jti-x', notBefore: start, expiresAt: start + 60_000 },
  ];
  it.each(wellFormed)('takes a bus message of kind $kind', async (message) => {
    list = build();
    await list.ready;
    await bus.publish('revocations', message);
    await flush();
    expect(heard).toEqual([message]);
    expect(list.size).toBe(1);
    expect(logLines).toEqual([]);
  });

  it('announces a revocation once, again only when it changes, and keeps the later expiry', async () => {
    const first: Revocation = { kind: 'user', subject: 'user-1', notBefore: start - 1_000, expiresAt: start + 60_000 };
    rows = [{ kind: 'user', subject: 'user-1', not_before: new Date(start - 1_000), expires_at: new Date(start + 60_000) }];
    list = build();
    await list.ready;
    expect(heard).toEqual([first]);

    // The same again, from the bus and from two reloads: nothing new.
    await bus.publish('revocations', first);
    vi.advanceTimersByTime(resyncMs);
    await flush();
    vi.advanceTimersByTime(resyncMs);
    await flush();
    expect(queries.length).toBe(3);
    expect(heard).toEqual([first]);

    // An earlier expiry changes nothing: the entry keeps the later one.
    const shorter: Revocation = { kind: 'user', subject: 'user-1', notBefore: start - 1_000, expiresAt: start + 30_000 };
    await bus.publish('revocations', shorter);
    await flush();
    expect(heard).toEqual([first]);
    clock.set(start + 30_000);
    expect(list.notBefore('user', 'user-1')).toBe(start - 1_000);

    // A later cut-off is announced and replaces the earlier one.
    const later: Revocation = { kind: 'user', subject: 'user-1', notBefore: start + 29_000, expiresAt: start + 60_000 };
    await bus.publish('revocations', later);
    await flush();
    expect(heard).toEqual([first, later]);
    expect(list.notBefore('user', 'user-1')).toBe(start + 29_000);

    // A later expiry is announced and kept.
    const longer: Revocation = { kind: 'user', subject: 'user-1', notBefore: start + 29_000, expiresAt: start + 90_000 };
    await bus.publish('revocations', longer);
    await flush();
    expect(heard).toEqual([first, later, longer]);
    clock.set(start + 89_999);
    expect(list.notBefore('user', 'user-1')).toBe(start + 29_000);
    clock.set(start + 90_000);
    expect(list.notBefore('user', 'user-1')).toBeUndefined();
    expect(list.size).toBe(1);
  });

  it('never moves a cut-off earlier: not for a reload that read the row before a newer cut-off, nor for a late message', async () => {
    rows = [{ kind: 'user', subject: 'user-1', not_before: new Date(start - 10_000), expires_at: new Date(start + 60_000) }];
    list = build();
    await list.ready;
    // The resync reads the table; before its answer arrives, the user is disabled (row written, message sent).
    heldLoads = [];
    vi.advanceTimersByTime(resyncMs);
    rows = [{ kind: 'user', subject: 'user-1', not_before: new Date(start + 500), expires_at: new Date(start + 60_000) }];
    const disabled: Revocation = { kind: 'user', subject: 'user-1', notBefore: start + 500, expiresAt: start + 60_000 };
    await bus.publish('revocations', disabled);
    await flush();
    expect(list.notBefore('user', 'user-1')).toBe(start + 500);
    for (const answer of heldLoads.splice(0)) answer();
    heldLoads = undefined;
    await flush();
    // The stale row neither lowers the cut-off nor is announced; a token issued at `start` stays refused.
    expect(list.notBefore('user', 'user-1')).toBe(start + 500);
    const late: Revocation = { kind: 'user', subject: 'user-1', notBefore: start - 10_000, expiresAt: start + 60_000 };
    await bus.publish('revocations', late);
    await flush();
    expect(list.notBefore('user', 'user-1')).toBe(start + 500);
    expect(heard).toEqual([{ kind: 'user', subject: 'user-1', notBefore: start - 10_000, expiresAt: start + 60_000 }, disabled]);
  });

  it('announces an id revocation once, and again when its expiry grows', async () => {
    list = build();
    await list.ready;
    const first: Revocation = { kind: 'token', subject: 'jti-1', expiresAt: start + 60_000 };
    const longer: Revocation = { kind: 'token', subject: 'jti-1', expiresAt: start + 60_001 };
    for (const message of [first, first, longer, first]) await bus.publish('revocations', message);
    await flush();
    expect(heard).toEqual([first, longer]);
    clock.set(start + 60_000);
    expect(list.isRevoked('token', 'jti-1')).toBe(true);
  });

  it('survives a failed load (logged, ready all the same), and after a reconnect empties caches and loads again', async () => {
    failing = true;
    list = build();
    await list.ready;
    expect(list.loaded).toBe(true);
    expect(list.size).toBe(0);
    expect(logLines.map(({ level, msg, err }) => [level, msg, err?.message])).toEqual([
      ['error', 'could not load the revocation list; retrying on the next bus reconnect', 'database away'],
    ]);

    failing = false;
    rows = [{ kind: 'api_key', subject: 'key-1', not_before: null, expires_at: new Date(start + 60_000) }];
    clock.set(start + 5);
    expect(missed).toBe(0);
    reconnect();
    expect(missed).toBe(1);
    await flush();
    expect(queries).toEqual([['revocations', 'expires_at', '>', start], ['revocations', 'expires_at', '>', start + 5]]);
    expect(list.isRevoked('api_key', 'key-1')).toBe(true);
    expect(heard).toEqual([{ kind: 'api_key', subject: 'key-1', expiresAt: start + 60_000 }]);
    expect(logLines.length).toBe(1);
  });

  it('needs neither listener: without them it loads, applies and reloads all the same', async () => {
    rows = [{ kind: 'grant', subject: 'grant-1', not_before: null, expires_at: new Date(start + 60_000) }];
    list = createRevocationList({
      knex, bus, clock, resyncMs,
      logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } }),
    });
    await list.ready;
    await bus.publish('revocations', { kind: 'visitor', subject: 'visitor-1', notBefore: start, expiresAt: start + 60_000 });
    await flush();
    reconnect();
    await flush();
    expect([list.isRevoked('grant', 'grant-1'), list.notBefore('visitor', 'visitor-1'), queries.length, logLines]).toEqual([true, start, 2, []]);
  });

  it('hears nothing more once stopped: no bus message, no reconnect, no sweep', async () => {
    list = build();
    await list.ready;
    list.stop();
    await bus.publish('revocations', { kind: 'token', subject: 'jti-1', expiresAt: start + 60_000 });
    await flush();
    reconnect();
    vi.advanceTimersByTime(3 * resyncMs);
    await flush();
    expect([list.size, heard.length, missed, queries.length, vi.getTimerCount()]).toEqual([0, 0, 0, 1, 0]);
  });
});
