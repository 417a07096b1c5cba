import type { Component, Runtime } from '../shared/runtime.js';

/**
 * The webhook worker delivers events from the outbox. Until the webhooks issue lands there is no
 * outbox to read; the role exists so deployments can already run it.
 */
export function createWebhookWorker(runtime: Runtime): Component {
  runtime.logger.child({ component: 'worker' }).info('webhook worker started');
  return { name: 'worker', stop: async () => {} };
}
