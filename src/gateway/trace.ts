import { randomFillSync } from 'node:crypto';

/**
 * W3C Trace Context: a valid inbound `traceparent` keeps its trace id and gets the gateway's own
 * span id as the new parent; an absent or invalid one starts a new trace. `tracestate` is only
 * carried along with a valid `traceparent` (W3C Trace Context §3.3).
 */
const traceparentShape = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

// Random ids come from a pooled buffer: one randomFillSync per 4 KiB instead of one per request.
const pool = Buffer.alloc(4096);
let offset = pool.length;
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}

export function nextTraceparent(inbound: string | string[] | undefined): { traceparent: string; continued: boolean } {
  const match = typeof inbound === 'string' ? traceparentShape.exec(inbound) : null;
  const span = randomHex(8);
  if (match && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!)) {
    return { traceparent: `00-${match[1]}-${span}-${match[3]}`, continued: true };
  }
  return { traceparent: `00-${randomHex(16)}-${span}-01`, continued: false };
}
