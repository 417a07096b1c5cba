import Provider, { type Configuration } from 'oidc-provider';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logger.js';
import { buildConfiguration, type ProviderConfigDeps } from './configuration.js';
import { registerPlainImplicit } from './plain-implicit.js';

/**
 * One provider instance for one set of signing keys. Rotation builds a new instance (keys are
 * fixed at construction in oidc-provider); everything else lives in the database, so swapping
 * instances between two requests loses nothing.
 */
export function createProvider(deps: ProviderConfigDeps & { logger: Logger }): Provider {
  const configuration: Configuration = buildConfiguration(deps);
  const provider = new Provider(deps.config.PUBLIC_URL, configuration);
  // Behind the gateway: the issuer's scheme and host come from PUBLIC_URL (see app.ts).
  provider.proxy = true;
  allowHttpImplicitInDevelopment(provider, deps.config);
  registerPlainImplicit(provider);

  provider.on('server_error', (_ctx, err) => deps.logger.error({ err }, 'oidc-provider server_error'));
  return provider;
}

/**
 * oidc-provider refuses http and localhost redirect URIs for implicit web clients. Our own rules
 * (clients/redirect-uris.ts) already allow plain http only for loopback hosts and only while
 * PUBLIC_URL is http, so in that case the provider's stricter check is skipped — documented as
 * the provider's recipe for local development.
 */
function allowHttpImplicitInDevelopment(provider: Provider, config: Config): void {
  if (new URL(config.PUBLIC_URL).protocol === 'https:') return;
  const schema = (provider.Client as unknown as { Schema: { prototype: { invalidate(message: string, code?: string): void } } }).Schema;
  const original = schema.prototype.invalidate;
  schema.prototype.invalidate = function invalidate(message: string, code?: string) {
    if (code === 'implicit-force-https' || code === 'implicit-forbid-localhost') return;
    original.call(this, message, code);
  };
}
