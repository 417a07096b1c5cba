import { list, positiveInt } from './fields.js';

/**
 * Settings of the webhooks component. Keys are environment-variable names; every field carries its
 * default and a one-line description (README's configuration table is generated from these).
 */
export const webhooksFields = {
  WEBHOOK_ALLOWED_HOSTS: list([])
    .describe('Hosts (`name` or `name:port`) a webhook may reach although they are not public: plain `http://` and private, loopback or link-local addresses are refused for every other host.'),
  WEBHOOK_SECRET_OVERLAP_SECONDS: positiveInt(86_400)
    .describe('After a webhook secret is rotated, deliveries carry signatures with both the old and the new secret for this long.'),
} as const;
