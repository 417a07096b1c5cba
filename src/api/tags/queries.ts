import type { z } from 'zod';
import type { tag } from '../../contract/operations/conversations.js';
import type { StoredRow } from '../shared/queries.js';

export type TagRow = StoredRow<z.output<typeof tag>>;
