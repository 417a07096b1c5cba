import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../shared/config/index.js';
import type { Logger } from '../shared/logger.js';
import type { Component } from '../shared/runtime.js';
import { listen, type RunningServer } from '../shared/server.js';
import { migrateLatest } from '../db/migrate.js';
import { bootstrapFirstRun } from './bootstrap.js';
import { settleInstallationSecret } from './installation-secret.js';
import { withProbes } from './probes.js';
import { createRuntime, type OwnedRuntime } from './runtime.js';

/** The start banner's line when mails are not sent (issue 18). */
export const LOCAL_MAILBOX_NOTICE =
  '\n  Mail: MAIL_URL is not set, so no mail leaves this machine. Invitations, account activations and password resets wait\n' +
  '  in the local mailbox: read them with `gatehouse mail list` and `gatehouse mail show ID` (docs/email.md sets up SMTP).\n';

export const ROLES_TO_START = ['all', 'gateway', 'auth', 'api', 'worker'] as const;
export type StartRole = (typeof ROLES_TO_START)[number];

/** Where split roles find each other unless AUTH_PORT / API_PORT say otherwise. */
export const SPLIT_AUTH_PORT = 8081;
export const SPLIT_API_PORT = 8082;
/** Where a `--role worker` process answers its probes unless WORKER_PORT says otherwise. */
export const SPLIT_WORKER_PORT = 8083;

export interface Started {
  readonly runtime: OwnedRuntime;
  /** Public gateway URL (all, gateway) or the component's own listener. */
  readonly urls: Partial<Record<Component['name'], string>>;
  /** The interface and port each listener is bound to (`127.0.0.1:8080`), as the socket reports it. */
  readonly addresses: Partial<Record<Component['name'], string>>;
  /** Graceful: stop accepting, drain in-flight requests (bounded), close pools. */
  stop(): Promise<void>;
}

/**
 * The composition root: one runtime, then the components of `role`, each on its own listener.
 * Only the gateway listens on HOST:PORT (loopback unless HOST is set, issue 17); the others on
 * INTERNAL_HOST.
 */
export interface StartOptions {
  config: Config;
  logger: Logger;
  role: StartRole;
  /** A runtime built by the caller (tests); `stop()` closes it like one built here. */
  runtime?: OwnedRuntime;
  print?: (line: string) => void;
}

const GATEWAY_SHARED_BUFFERS = '16MB';

export async function start(options: StartOptions): Promise<Started> {
  const { config, logger, role } = options;
  const print = options.print ?? ((line: string) => process.stdout.write(line + '\n'));
  // A gateway alone reads a few small tables (keys, revocations, origins): on the embedded
  // database it does not need Postgres's default 128 MB buffer pool, about 120 MB of its RSS.
  const runtime = options.runtime ?? (await createRuntime(config, logger, role === 'gateway' ? { embeddedSharedBuffers: GATEWAY_SHARED_BUFFERS } : {}));
  const servers: RunningServer[] = [];
  const components: Component[] = [];
  const urls: Started['urls'] = {};
  const addresses: Started['addresses'] = {};
  try {
    if (config.MIGRATE_ON_START) {
      const applied = await migrateLatest(runtime.db.knex);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    await settleInstallationSecret(runtime.db.knex, runtime.secrets, { now: () => runtime.clock.now(), logger, generated: !config.SECRET });
    if (role === 'all' || role === 'auth') {
      const result = await bootstrapFirstRun(runtime.db.knex, {
        email: config.ADMIN_EMAIL,
        password: config.ADMIN_PASSWORD,
        organizationName: config.ADMIN_ORGANIZATION,
      });
      if (result.created) {
        logger.info({ email: result.email, organization_id: result.organizationId }, 'first run: created the admin user');
        if (result.generatedPassword) {
          print(`\n  First run: admin user ${result.email} created with password ${result.generatedPassword}\n  (shown once; change it or set ADMIN_EMAIL/ADMIN_PASSWORD before the first start)\n`);
        }
      }
    }

    const serve = async (component: Component, host: string, port: number): Promise<string> => {
      components.push(component);
      if (!component.listener) return '';
      // The gateway answers /ready itself; the internal listeners get it here.
      const listener = component.name === 'gateway' ? component.listener : withProbes(runtime, component.listener);
      const server = await listen(listener, { host, port, headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS });
      if (component.onUpgrade) server.server.on('upgrade', component.onUpgrade);
      if (component.onCheckContinue) server.server.on('checkContinue', component.onCheckContinue);
      servers.push(server);
      urls[component.name] = server.url;
      const bound = server.server.address() as AddressInfo;
      addresses[component.name] = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
      return server.url;
    };

    // In one process the internal listeners take free ports: nothing outside needs to find them.
    const authPort = config.AUTH_PORT ?? (role === 'all' ? 0 : SPLIT_AUTH_PORT);
    const apiPort = config.API_PORT ?? (role === 'all' ? 0 : SPLIT_API_PORT);
    let apiUrl = config.API_UPSTREAM_URL ?? `http://${config.INTERNAL_HOST}:${apiPort}`;
    let authUrl = config.AUTH_UPSTREAM_URL ?? `http://${config.INTERNAL_HOST}:${authPort}`;
    // Each component's modules load only when its role runs: a gateway process never loads
    // oidc-provider or the resource API.
    if ((role === 'all' && !config.API_UPSTREAM_URL) || role === 'api') {
      const { createApiComponent } = await import('../api/app.js');
      apiUrl = await serve(createApiComponent(runtime), config.INTERNAL_HOST, apiPort);
    }
    // In one process the gateway hands the auth server its requests without a socket between them.
    let authListener: http.RequestListener | undefined;
    if (role === 'all' || role === 'auth') {
      const { createAuthComponent } = await import('../auth/app.js');
      const auth = await createAuthComponent(runtime);
      authUrl = await serve(auth, config.INTERNAL_HOST, authPort);
      if (role === 'all') authListener = auth.listener;
    }
    if (role === 'all' || role === 'worker') {
      const { createWebhookWorker } = await import('../webhooks/worker.js');
      await serve(createWebhookWorker(runtime), config.INTERNAL_HOST, 0);
      // Alone, the worker has no listener an orchestrator could probe: it gets one for /health and /ready.
      if (role === 'worker') await serve({ name: 'worker', listener: withProbes(runtime), stop: async () => {} }, config.INTERNAL_HOST, config.WORKER_PORT ?? SPLIT_WORKER_PORT);
      // Issue 18: the mail sender runs beside the webhook worker; without MAIL_URL mails wait in the mailbox.
      if (config.MAIL_URL) {
        const { createMailComponent } = await import('../mail/component.js');
        await serve(createMailComponent(runtime), config.INTERNAL_HOST, 0);
      }
    }
    if (!config.MAIL_URL && role !== 'gateway') print(LOCAL_MAILBOX_NOTICE);
    if (role === 'all' || role === 'gateway') {
      const [{ createGatewayComponent }, { operations }] = await Promise.all([import('../gateway/app.js'), import('../contract/index.js')]);
      await serve(createGatewayComponent(runtime, { auth: authUrl, api: apiUrl, authListener }, { operations }), config.HOST, config.PORT);
    }
    logger.info({ role, urls, addresses, public_url: config.PUBLIC_URL, database: runtime.db.kind, redis: Boolean(runtime.redis) }, 'gatehouse started');
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  async function stopAll(): Promise<void> {
    for (const component of components) component.drain?.();
    // Gateway first (it stops taking traffic), then the listeners behind it.
    for (const server of servers.reverse()) await server.close(config.SHUTDOWN_TIMEOUT_MS);
    for (const component of components.reverse()) {
      await component.stop().catch((err: unknown) => logger.error({ err, component: component.name }, 'stop failed'));
    }
    await runtime.close();
  }

  return {
    runtime,
    urls,
    addresses,
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
}
