import client from 'prom-client';

export type { Registry } from 'prom-client';

/** One registry per process, built at the composition root and handed to each component. */
export function createMetricsRegistry(labels: Record<string, string> = {}): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels(labels);
  client.collectDefaultMetrics({ register: registry });
  return registry;
}

export { client as prometheus };
