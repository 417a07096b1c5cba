import { list, positiveInt } from './fields.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/** `5s`, `30m`, `2h` as milliseconds (the config check has let only such strings through). */
export function durationMs(value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A comma-separated list of durations (ms, s, m, h, d), kept as written so the docs show it so. */
const durations = (fallback: string[]) =>
  list(fallback).refine((items) => items.length > 0 && items.every((item) => DURATION.test(item)), 'must be a comma-separated list of durations such as `5s,5m,2h`');

/**
 * Settings of the webhooks component. Keys are environment-variable names; every field carries its
 * default and a one-line description (README's configuration table is generated from these).
 */
export const webhooksFields = {
  WEBHOOK_ALLOWED_HOSTS: list([])
    .describe('Hosts (`name` or `name:port`) a webhook may reach although they are not public: plain `http://` and private, loopback or link-local addresses are refused for every other host.'),
  WEBHOOK_SECRET_OVERLAP_SECONDS: positiveInt(86_400)
    .describe('After a webhook secret is rotated, deliveries carry signatures with both the old and the new secret for this long.'),
  WEBHOOK_TIMEOUT_MS: positiveInt(15_000)
    .describe('A webhook delivery attempt that has not received its whole answer by then fails (and is retried). A worker\'s claim on a delivery lasts twice this.'),
  WEBHOOK_RETRY_SCHEDULE: durations(['5s', '5m', '30m', '2h', '5h', '10h', '14h', '20h', '20h'])
    .describe('Waits between a failed webhook attempt and the next (each ±20% jitter); after the last, the delivery fails, and an endpoint failing that long without a success is disabled. The default spans about three days.'),
  WEBHOOK_RETRY_AFTER_MAX_SECONDS: positiveInt(86_400)
    .describe('The longest `Retry-After` of a receiver that is honoured; a longer one waits this long.'),
  WEBHOOK_POLL_INTERVAL_MS: positiveInt(5_000)
    .describe('The webhook worker wakes on the event bus after every write; it also looks for due deliveries this often (retries, a lost wake-up).'),
  WEBHOOK_WORKER_CONCURRENCY: positiveInt(32)
    .describe('Deliveries one worker process sends at once (each endpoint also has its own limit, `max_concurrency`).'),
} as const;
