import type { Knex } from 'knex';
import type { Identity } from '../contract/identity.js';
import type { Operation } from '../contract/operation.js';
import { AppError } from '../shared/errors.js';
import type { Runtime } from '../shared/runtime.js';

/** What a service needs to know about the call: who, in which request, on which database. */
export interface Caller {
  readonly identity: Identity;
  readonly requestId: string;
}

/**
 * Input of a handler, already validated by the operation's zod schemas (validate-input.ts), so
 * handlers may narrow `params`, `query` and `body` to the schema's output type.
 */
export interface HandlerInput {
  readonly runtime: Runtime;
  readonly knex: Knex;
  readonly operation: Operation;
  /** Absent only for `public` operations. */
  readonly identity: Identity | undefined;
  readonly requestId: string;
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

/** `{"ok":true,"data":…}`; lists add `next_cursor` (null on the last page). */
export type HandlerResult = { data: unknown; next_cursor?: string | null } | { raw: unknown };

export type Handler = (input: HandlerInput) => Promise<HandlerResult>;

/** The identity of an authenticated operation (the pipeline guarantees one). */
export function callerOf(input: HandlerInput): Caller {
  if (!input.identity) throw new Error(`operation ${input.operation.name} ran without an identity`);
  return { identity: input.identity, requestId: input.requestId };
}

/**
 * The caller of an operation about the calling *user* (`/users/me`, API keys, creating an
 * organization). A client-credentials token names a service client, which is no user: it is
 * refused plainly instead of being looked up as one.
 */
export function userCallerOf(input: HandlerInput): Caller {
  const caller = callerOf(input);
  if (caller.identity.kind === 'client') {
    throw new AppError('forbidden', 'This operation acts on the calling user; a service client (client credentials) has none.');
  }
  return caller;
}
