import type Provider from 'oidc-provider';
import type { EventBus } from '../../shared/bus.js';
import type { Logger } from '../../shared/logger.js';
import type { LoadedKeys } from '../keys/signing-keys.js';
import { SIGNING_KEYS_CHANNEL } from '../keys/signing-keys.js';

export interface ProviderHolder {
  current(): Provider;
  /** Reloads the keys and swaps the provider when they changed (rotation, retirement). */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * Keeps the provider in step with the signing keys in the database: a rotation made by
 * `gatehouse keys rotate` (any process) is picked up within SIGNING_KEY_REFRESH_SECONDS, or at
 * once when it is announced on the bus, without a restart (issue 3).
 */
export async function createProviderHolder(deps: {
  loadKeys(): Promise<LoadedKeys>;
  build(keys: LoadedKeys): Provider;
  bus: EventBus;
  refreshMs: number;
  logger: Logger;
}): Promise<ProviderHolder> {
  let keys = await deps.loadKeys();
  let provider = deps.build(keys);
  let running: Promise<void> | undefined;

  async function reload(): Promise<void> {
    const next = await deps.loadKeys();
    if (next.fingerprint === keys.fingerprint) return;
    provider = deps.build(next);
    keys = next;
    deps.logger.info({ kids: next.fingerprint }, 'signing keys changed; provider reloaded');
  }
  const refresh = () => {
    running ??= reload().finally(() => (running = undefined));
    return running;
  };
  const refreshQuietly = () => void refresh().catch((err: unknown) => deps.logger.warn({ err }, 'reloading signing keys failed; keeping the current ones'));

  const timer = setInterval(refreshQuietly, deps.refreshMs);
  timer.unref();
  const unsubscribe = deps.bus.subscribe(SIGNING_KEYS_CHANNEL, refreshQuietly);
  const offReconnect = deps.bus.onReconnect(refreshQuietly);

  return {
    current: () => provider,
    refresh,
    stop() {
      clearInterval(timer);
      unsubscribe();
      offReconnect();
    },
  };
}
