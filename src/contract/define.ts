import type { Operation } from './operation.js';
import { DEFAULT_BODY, SMALL_BODY } from './schemas.js';

type Draft = Omit<Operation, 'cost' | 'bodyLimit'> & Partial<Pick<Operation, 'cost' | 'bodyLimit'>>;

/**
 * Fills the defaults every row would repeat: reads cost 1 point, writes 2; a body of 16 KiB for
 * writes, 4 KiB (RPC arguments) otherwise. The success status is the row's own (`successStatus`,
 * 200 when absent), never guessed from its name. The row keeps its literal type, so a handler bound
 * to it (api/implement.ts) sees the `z.infer` types of exactly its schemas.
 */
export function defineOperation<const D extends Draft>(draft: D): Readonly<D> & Pick<Operation, 'cost' | 'bodyLimit'> {
  const writes = draft.method !== 'GET';
  return Object.freeze({
    ...draft,
    cost: draft.cost ?? (writes ? 2 : 1),
    bodyLimit: draft.bodyLimit ?? (draft.body ? DEFAULT_BODY : SMALL_BODY),
  });
}
