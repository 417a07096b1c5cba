import { randomUUID } from 'node:crypto';

// An inbound id is kept only when it cannot inject anything into logs or headers.
const saneRequestId = /^[A-Za-z0-9._:@-]{1,128}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

export function pickRequestId(inbound: string | string[] | undefined): string {
  const value = Array.isArray(inbound) ? inbound[0] : inbound;
  return value !== undefined && saneRequestId.test(value) ? value : randomUUID();
}
