import type { z } from 'zod';
import type { Role } from './roles.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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
  /** Rate-limit points one call costs. */
  readonly cost: number;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimit: number;
  readonly description: string;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response?: z.ZodType;
}
