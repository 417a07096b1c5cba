import { z } from 'zod';
import { defineOperation } from '../define.js';
import { timestamp } from '../schemas.js';

// Seed 002: `GET /health` answers `{"ok":true,"status":"healthy","timestamp":…}` without `data`;
// the resource API serves it before the authenticated pipeline.
export const healthOperations = {
  check: defineOperation({
    name: 'health.check',
    method: 'GET',
    path: '/health',
    role: 'public',
    tag: 'health',
    description: 'Health status and the current time.',
    bare: true,
    response: z.object({ ok: z.literal(true), status: z.literal('healthy'), timestamp }),
  }),
};
