import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

export interface DrainLoopOptions {
  /** Takes and does what is due; resolves when nothing more is (or the loop stops). */
  drain(): Promise<void>;
  /** When the next piece of work falls due, if known: the loop runs then rather than at the poll. */
  nextDueAt(): Promise<Date | undefined>;
  pollMs: number;
  /** No run is scheduled sooner than this after the last. */
  minDelayMs?: number;
  clock: Clock;
  logger: Logger;
  /** Logged when a run fails, and when reading the next due time fails. */
  messages: { drainFailed: string; nextDueFailed: string };
}

export interface DrainLoop {
  /** Run now, or once more right after the run under way: never two runs at a time. */
  kick(): void;
  /** The run under way, if any. */
  current(): Promise<void> | undefined;
  /** No more runs; resolves when the one under way is over. */
  stop(): Promise<void>;
}

/**
 * The heartbeat of a background sender (mails, webhook deliveries): woken by the event bus when
 * work may have been written, and otherwise by a timer set to the next due time or the poll
 * interval, whichever comes first, so a lost wake-up only delays work.
 */
export function startDrainLoop(options: DrainLoopOptions): DrainLoop {
  const { clock, logger, messages } = options;
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let again = false;

  async function schedule(): Promise<void> {
    let delay = options.pollMs;
    try {
      const due = await options.nextDueAt();
      if (due) delay = Math.min(delay, Math.max(options.minDelayMs ?? 0, due.getTime() - clock.now()));
    } catch (err) {
      logger.warn({ err }, messages.nextDueFailed);
    }
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(kick, delay);
    timer.unref();
  }

  function kick(): void {
    if (!running) return;
    if (draining) {
      again = true;
      return;
    }
    clearTimeout(timer);
    draining = options
      .drain()
      .catch((err: unknown) => logger.warn({ err }, messages.drainFailed))
      .then(() => (again ? undefined : schedule()))
      .finally(() => {
        draining = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    kick,
    current: () => draining,
    async stop() {
      running = false;
      clearTimeout(timer);
      await draining;
    },
  };
}
