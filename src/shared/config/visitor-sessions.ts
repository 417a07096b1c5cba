import { z } from 'zod';
import { positiveInt } from './fields.js';

/**
 * Settings of visitor sessions (issue 10): the guest access tokens a widget's visitors get, and
 * the gateway's limits on opening sessions. Keys are environment-variable names; every field
 * carries its default and a one-line description.
 */
export const visitorSessionFields = {
  VISITOR_TOKEN_TTL_SECONDS: positiveInt(900).pipe(z.number().max(900, 'must be at most 900 (15 minutes)'))
    .describe('Lifetime of a visitor\'s access token (`POST /v2/widgets/{clientToken}/sessions`); at most 900, renewed with the visitor secret.'),
  RATE_LIMIT_VISITOR_SESSIONS_IP: positiveInt(30)
    .describe('Visitor sessions opened or resumed per window (RATE_LIMIT_WINDOW_S) per client IP.'),
  RATE_LIMIT_VISITOR_SESSIONS_WIDGET: positiveInt(1_200)
    .describe('Visitor sessions opened or resumed per window (RATE_LIMIT_WINDOW_S) per widget, from all IPs together.'),
  WIDGET_DEMO: z.union([z.boolean(), z.stringbool()]).optional()
    .describe('Serve the widget\'s demo page `/widget/demo`. Unset: on with the embedded database (DATABASE_URL unset), off with DATABASE_URL (production).'),
} as const;
