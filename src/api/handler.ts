import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Knex } from 'knex';
import type { z } from 'zod';
import type { Identity } from '../contract/identity.js';
import type { Operation } from '../contract/operation.js';
import { AppError } from '../shared/errors.js';
import type { Runtime } from '../shared/runtime.js';
import type { OutboxTail } from './live/tail.js';

/** What a service needs to know about the call: who, in which request, on which database. */
export interface Caller {
  readonly identity: Identity;
  readonly requestId: string;
}

/** What every handler gets besides its validated arguments. */
interface HandlerContext {
  readonly runtime: Runtime;
  readonly knex: Knex;
  readonly operation: Operation;
  /** Absent only for `public` operations. */
  readonly identity: Identity | undefined;
  readonly requestId: string;
  /** The request's headers (`If-None-Match`, `Accept-Language`, `Origin`). */
  readonly headers: IncomingHttpHeaders;
  /** This process's reader of committed events, for live streams. */
  readonly events: OutboxTail;
}

/** Input of a handler, validated by the operation's zod schemas (validate-input.ts). */
export interface HandlerInput extends HandlerContext {
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body: Record<string, unknown>;
}

/** Headers a handler adds to a success (`ETag`, `Cache-Control`). */
export type ResponseHeaders = Readonly<Record<string, string>>;

/**
 * `{"ok":true,"data":…}`; lists add `next_cursor` (null on the last page); `raw` is a bare
 * operation's whole body; `notModified` answers 304 without a body; `stream` is a live response
 * (Server-Sent Events) written as it comes.
 */
export type HandlerResult =
  | { stream: Duplex; headers?: ResponseHeaders }
  | { data: unknown; next_cursor?: string | null; headers?: ResponseHeaders }
  | { raw: unknown; headers?: ResponseHeaders }
  | { notModified: true; headers?: ResponseHeaders };

export type Handler = (input: HandlerInput) => Promise<HandlerResult>;

type SchemaAt<O, K extends string> = O extends { readonly [P in K]: infer S } ? S : undefined;
type Parsed<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;
/** What `response` documents for one item, as a handler must produce it. */
export type DataOf<O> = SchemaAt<O, 'response'> extends infer S extends z.ZodType ? z.output<S> : unknown;

/** The input of the handler of `O`: its own schemas' output types, nothing to cast. */
export interface InputOf<O extends Operation> extends HandlerContext {
  readonly operation: O;
  readonly params: Parsed<SchemaAt<O, 'params'>>;
  readonly query: Parsed<SchemaAt<O, 'query'>>;
  readonly body: Parsed<SchemaAt<O, 'body'>>;
}

/** What the handler of `O` must answer: its documented response, in the shape its row declares. */
export type ResultOf<O extends Operation> = O extends { readonly stream: true }
  ? { stream: Duplex; headers?: ResponseHeaders }
  : O extends { readonly bare: true }
  ? { raw: DataOf<O>; headers?: ResponseHeaders }
  : O extends { readonly list: true }
    ? { data: DataOf<O>[]; next_cursor: string | null }
    : { data: DataOf<O>; headers?: ResponseHeaders } | (O extends { readonly method: 'GET' } ? { notModified: true; headers?: ResponseHeaders } : never);

export type HandlerOf<O extends Operation> = (input: InputOf<O>) => Promise<ResultOf<O>>;

/** A group of operations of one resource (`contactOperations`), keyed by verb. */
export type OperationGroup = Readonly<Record<string, Operation>>;

/** One handler per operation of the group: a missing or extra one is a compile error. */
export type GroupHandlers<G extends OperationGroup> = { readonly [K in keyof G]: HandlerOf<G[K]> };

/** An operation and the handler that serves it (api/handlers.ts collects them). */
export interface Binding {
  readonly operation: Operation;
  readonly handler: Handler;
}

/**
 * Binds each operation of `group` to its handler (issue 9). The handler is typed from the row's
 * own schemas; this is the one place where the pipeline's validated input meets those types,
 * which is sound because validate-input.ts parsed it with exactly those schemas.
 */
export function implement<G extends OperationGroup>(group: G, handlers: GroupHandlers<G>): Binding[] {
  return Object.keys(group).map((key) => ({ operation: group[key]!, handler: handlers[key] as unknown as Handler }));
}

/** The answer of every delete: `{"ok":true,"data":{"id":…,"deleted":true}}`. */
export function deletedResult(id: string): { data: { id: string; deleted: true } } {
  return { data: { id, deleted: true } };
}

type CallerSource = Pick<HandlerContext, 'identity' | 'requestId' | 'operation'>;

/** The identity of an authenticated operation (the pipeline guarantees one). */
export function callerOf(input: CallerSource): Caller {
  if (!input.identity) throw new Error(`operation ${input.operation.name} ran without an identity`);
  return { identity: input.identity, requestId: input.requestId };
}

/**
 * The caller of an operation about the calling *user* (`/users/me`, API keys, creating an
 * organization). A client-credentials token names a service client, which is no user: it is
 * refused plainly instead of being looked up as one.
 */
export function userCallerOf(input: CallerSource): Caller {
  const caller = callerOf(input);
  if (caller.identity.kind === 'client') {
    throw new AppError('forbidden', 'This operation acts on the calling user; a service client (client credentials) has none.');
  }
  return caller;
}
