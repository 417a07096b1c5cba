import { positiveInt } from './fields.js';

/**
 * Settings of the api component. Keys are environment-variable names; every field carries its
 * default and a one-line description (docs/configuration.md is generated from these). How long a
 * revocation is kept is not a setting: it follows from the token lifetimes (db/revocations.ts).
 */
export const apiFields = {
  API_INVITATION_TTL_HOURS: positiveInt(168)
    .describe('How long an invitation to join an organization can be accepted.'),
} as const;
