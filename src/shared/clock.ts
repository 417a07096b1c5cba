/** Time as the application sees it; tests pass a fixed or movable clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(start: number): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) { current += ms; },
    set(ms: number) { current = ms; },
  };
}
