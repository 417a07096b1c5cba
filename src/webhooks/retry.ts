/**
 * When a failed webhook attempt is tried again (DESIGN.md "Webhooks"): the n-th retry waits the
 * schedule's n-th step (WEBHOOK_RETRY_SCHEDULE, about three days in all), ±20% so endpoints that
 * failed together do not retry in lockstep; a receiver's `Retry-After` replaces the step.
 */
export const JITTER = 0.2;

/** The wait before the retry after attempt `attempt` (1-based); undefined when the schedule is spent. */
export function retryDelayMs(schedule: readonly number[], attempt: number, random: () => number): number | undefined {
  const step = schedule[attempt - 1];
  if (step === undefined) return undefined;
  return Math.round(step * (1 - JITTER + 2 * JITTER * random()));
}

/** How long the shortest run through the whole schedule lasts: an endpoint failing that long is disabled. */
export function shortestScheduleMs(schedule: readonly number[]): number {
  return schedule.reduce((sum, step) => sum + step, 0) * (1 - JITTER);
}

/** `Retry-After` (RFC 9110 §10.2.3: seconds, or an HTTP date) as a wait in ms, at most `maxMs`. */
export function retryAfterMs(header: string | undefined, now: number, maxMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  let wait: number;
  if (/^\d+$/.test(value)) wait = Number(value) * 1_000;
  else {
    // An HTTP date opens with the day's name; Date.parse would take '-5' for a year.
    const at = /^[A-Za-z]{3},? /.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    wait = at - now;
  }
  return Math.min(Math.max(0, wait), maxMs);
}
