import type { Identity } from '../../contract/identity.js';
import type { Operation } from '../../contract/operation.js';

/** What the pipeline steps leave for the next ones, on `ctx.state.call`. */
export interface CallState {
  operation: Operation;
  kind: 'rest' | 'rpc';
  /** Path parameters (REST); RPC calls carry theirs in the body. */
  pathParams: Record<string, string>;
  identity?: Identity;
  /** The body digest the identity assertion was made for (verify-assertion.ts); none without one. */
  assertedBodySha256?: string;
  /** The parsed body: a JSON object or form fields; `{}` when there was none. */
  rawBody: Record<string, unknown>;
  bodyWasForm: boolean;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

declare module 'koa' {
  interface DefaultState {
    call: CallState;
  }
}
