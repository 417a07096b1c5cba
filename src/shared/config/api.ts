import { positiveInt } from './fields.js';

/**
 * Settings of the api component. Keys are environment-variable names; every field carries its
 * default and a one-line description (README's configuration table is generated from these).
 */
export const apiFields = {
  API_INVITATION_TTL_HOURS: positiveInt(168)
    .describe('How long an invitation to join an organization can be accepted.'),
  API_REVOCATION_HORIZON_HOURS: positiveInt(720)
    .describe('When a member is disabled, demoted or removed, how long the revocation of their earlier tokens is kept (the longest credential lifetime).'),
} as const;
