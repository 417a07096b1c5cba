/**
 * Announced on the bus after a client's row changed (updated, marked a resource server, deleted,
 * new secret), as `{ id }`: auth servers drop what they cached of it (auth/cache/grant-lookups.ts).
 */
export const CLIENTS_CHANNEL = 'oauth-clients';
