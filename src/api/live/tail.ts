import type { Knex } from 'knex';
import type { OutboxRow } from '../../db/outbox-reads.js';
import { OUTBOX_CHANNEL, readOutboxAfter, recentOutboxPositions } from '../../db/outbox-reads.js';
import type { EventBus } from '../../shared/bus.js';
import type { Logger } from '../../shared/logger.js';

/** How often the tail reads while anyone listens, should a wake-up be lost (Redis restarting). */
const SAFETY_POLL_MS = 1_000;
/** How long a hole in the positions is waited for: a transaction still committing, or a rollback. */
const GAP_PATIENCE_MS = 5_000;
const BATCH = 500;

export type OutboxListener = (row: OutboxRow) => void;

/**
 * One reader of the outbox per API process, feeding every open event stream (DESIGN.md
 * "Real-time"). The database is the source of truth; the bus only says "read now", so a lost
 * wake-up delays an event by at most the safety poll and never loses it. Positions are taken at
 * insert and committed in any order, so the tail reads from the last position below which it has
 * seen everything, delivering each row once, and gives up on a hole after GAP_PATIENCE_MS (a
 * rolled-back insert leaves one forever).
 */
export class OutboxTail {
  private readonly listeners = new Map<string, Set<OutboxListener>>();
  private readonly enders = new Set<() => void>();
  private listenerCount = 0;
  /** Every position up to here has been delivered or given up on. */
  private floor: number | undefined;
  /** Positions above `floor` already delivered. */
  private readonly delivered = new Set<number>();
  /** When each hole above `floor` was first seen. */
  private readonly holes = new Map<number, number>();
  private reading: Promise<void> | undefined;
  private again = false;
  private poller: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: { knex: Knex; bus: EventBus; logger: Logger; now: () => number }) {
    this.unsubscribe = deps.bus.subscribe(OUTBOX_CHANNEL, () => this.wake());
  }

  /**
   * Listens to the events of one organization; the returned function stops listening. `onEnd` is
   * called if the tail closes first (shutdown), so the stream can end.
   */
  subscribe(organizationId: string, listener: OutboxListener, onEnd?: () => void): () => void {
    if (onEnd) this.enders.add(onEnd);
    let set = this.listeners.get(organizationId);
    if (!set) this.listeners.set(organizationId, (set = new Set()));
    set.add(listener);
    this.listenerCount += 1;
    if (this.listenerCount === 1) this.startPolling();
    return () => {
      if (onEnd) this.enders.delete(onEnd);
      if (!set.delete(listener)) return;
      if (set.size === 0) this.listeners.delete(organizationId);
      this.listenerCount -= 1;
      if (this.listenerCount === 0) this.stopPolling();
    };
  }

  /**
   * Resolves once the tail knows where it starts: a stream replays from the database after this,
   * so whatever the replay misses (committed later) the tail delivers.
   */
  async ready(): Promise<void> {
    this.wake();
    await this.settled();
  }

  /** Reads now (coalesced: a wake-up during a read makes one more read after it). */
  wake(): void {
    if (this.listenerCount === 0) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readAll()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'reading the outbox for live events failed; retrying on the next wake-up'))
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once a read in progress (if any) is over: tests wait for delivery with it. */
  async settled(): Promise<void> {
    while (this.reading) await this.reading;
  }

  /** Stops reading and ends every stream still listening. */
  close(): void {
    this.unsubscribe();
    this.stopPolling();
    this.listeners.clear();
    this.listenerCount = 0;
    const enders = [...this.enders];
    this.enders.clear();
    for (const end of enders) end();
  }

  private startPolling(): void {
    // A stream that opens now replays from the database itself; the tail only needs what follows.
    this.floor = undefined;
    this.delivered.clear();
    this.holes.clear();
    this.poller = setInterval(() => this.wake(), SAFETY_POLL_MS);
    this.poller.unref();
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }

  private async readAll(): Promise<void> {
    if (this.floor === undefined) await this.start();
    for (;;) {
      const rows = await readOutboxAfter(this.deps.knex, this.floor!, BATCH);
      for (const row of rows) this.deliver(row);
      this.advanceFloor(rows.length > 0 ? rows[rows.length - 1]!.position : this.floor!);
      if (rows.length < BATCH) return;
    }
  }

  /**
   * Starts below the latest positions, counting those present as delivered (streams replay them)
   * and those missing as holes: a transaction that took one may still commit, and is delivered.
   */
  private async start(): Promise<void> {
    const recent = await recentOutboxPositions(this.deps.knex, BATCH);
    if (recent.length === 0) {
      this.floor = 0;
      return;
    }
    this.floor = recent[0]! - 1;
    for (const position of recent) this.delivered.add(position);
    this.advanceFloor(recent[recent.length - 1]!);
  }

  private deliver(row: OutboxRow): void {
    if (this.delivered.has(row.position)) return;
    this.delivered.add(row.position);
    for (const listener of this.listeners.get(row.organization_id) ?? []) {
      try {
        listener(row);
      } catch (err) {
        this.deps.logger.warn({ err }, 'a live-event listener failed');
      }
    }
  }

  private advanceFloor(highest: number): void {
    const now = this.deps.now();
    let floor = this.floor!;
    for (let position = floor + 1; position <= highest; position++) {
      if (this.delivered.has(position)) {
        this.delivered.delete(position);
        this.holes.delete(position);
        floor = position;
        continue;
      }
      const seen = this.holes.get(position);
      if (seen === undefined) this.holes.set(position, now);
      if (seen === undefined || now - seen < GAP_PATIENCE_MS) break;
      this.holes.delete(position);
      floor = position;
    }
    this.floor = floor;
  }
}
