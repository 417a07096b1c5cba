import type { z } from 'zod';
import type { Role } from './roles.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Seed 001's "(self)" rows: when the path parameter `param` names the caller's own user (its id,
 * or the literal `me`), `role` is enough instead of the operation's `role`.
 */
export interface SelfRule {
  readonly param: string;
  readonly role: Role;
}

/**
 * Seed 001's "guest" rows of conversations (DESIGN.md "Permission matrix"): a caller whose role is
 * below `all` (and every visitor) reaches only the rows it takes part in; the path parameter
 * `param` names the row. The resource API checks it in one pipeline step (enforce-access.ts):
 * anything else is `not_found`, as another organization's row is.
 */
export interface ParticipantRule {
  /** What the parameter names: a conversation (by token) or a visitor (by token). */
  readonly resource: 'conversation' | 'visitor';
  readonly param: string;
  readonly all: Role;
}

/**
 * One operation of the API, declared once. The gateway (routing, permission, rate-limit cost,
 * body limit), the resource API (validation, handler binding), the OpenAPI document and the
 * permission-matrix tests all read this.
 */
export interface Operation {
  /** RPC name, `POST /v1/{name}`: `tickets.create` */
  readonly name: string;
  readonly method: HttpMethod;
  /** REST path with `{param}` placeholders, served at `/v2{path}` and un-versioned at `{path}`. */
  readonly path: string;
  /** Minimum role scope, or `public` for no authentication (`GET /health`). */
  readonly role: Role | 'public';
  /** A lower minimum role when the caller acts on their own user (seed 001 "self" rows). */
  readonly self?: SelfRule;
  /** Rows the caller takes part in, for roles below the rule's `all` (the "guest" rows). */
  readonly participant?: ParticipantRule;
  /**
   * A visitor token may call it (DESIGN.md: visitors have their own short list), reaching only its
   * own visitor's rows. Without this flag a visitor is refused like a role below the minimum.
   */
  readonly visitor?: boolean;
  /**
   * With role `public`: the path parameter that is itself the credential, a widget's client
   * token. No identity; the handler reaches only the row that parameter names.
   */
  readonly publicBy?: string;
  /**
   * A live stream of Server-Sent Events, not a JSON answer: the gateway passes it through
   * unbuffered and closes it when the caller's credential is revoked.
   */
  readonly stream?: boolean;
  /** The response schema is the whole body, not `data` of the envelope (seed 002's `/health`). */
  readonly bare?: boolean;
  /** Rate-limit points one call costs. */
  readonly cost: number;
  /** Largest request body accepted, in bytes (RPC calls carry every argument in the body). */
  readonly bodyLimit: number;
  readonly description: string;
  /** OpenAPI tag: the resource the operation belongs to. */
  readonly tag: string;
  /** A cursor-paginated list: `data` is an array of `response` items plus `next_cursor`. */
  readonly list?: boolean;
  /** HTTP status of a success (201 for creations); 200 when absent. */
  readonly successStatus?: 200 | 201 | 202;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Schema of `data` in `{"ok":true,"data":…}` (of one item when `list`). */
  readonly response?: z.ZodType;
}
