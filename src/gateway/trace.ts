import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context: a valid inbound `traceparent` keeps its trace id and gets the gateway's own
 * span id as the new parent; an absent or invalid one starts a new trace. `tracestate` is only
 * carried along with a valid `traceparent` (W3C Trace Context §3.3).
 */
const traceparentShape = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function nextTraceparent(inbound: string | string[] | undefined): { traceparent: string; continued: boolean } {
  const match = typeof inbound === 'string' ? traceparentShape.exec(inbound) : null;
  const span = randomBytes(8).toString('hex');
  if (match && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!)) {
    return { traceparent: `00-${match[1]}-${span}-${match[3]}`, continued: true };
  }
  return { traceparent: `00-${randomBytes(16).toString('hex')}-${span}-01`, continued: false };
}
