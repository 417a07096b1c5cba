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
  readonly successStatus?: 200 | 201;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Schema of `data` in `{"ok":true,"data":…}` (of one item when `list`). */
  readonly response?: z.ZodType;
}
