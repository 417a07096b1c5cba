import type { StartRole } from '../start.js';
import { UsageError, type Command } from '../command.js';
import { isClusterWorker, superviseWorkers } from '../../gateway/workers.js';
import { serveControlChannel } from '../control-channel.js';
import { loadCliConfig, createCliLogger } from './shared.js';

export const startCommand: Command = {
  words: ['start'],
  summary: 'run Gatehouse (all components, or one --role)',
  usage: 'gatehouse start [--role all|gateway|auth|api|worker] [--workers N]',
  options: { role: { type: 'string', default: 'all' }, workers: { type: 'string', default: '1' } },
  async run({ values }) {
    const role = values.role as string;
    const config = loadCliConfig();
    // Loaded only now: the components pull in oidc-provider, which `--help` and a bad
    // configuration do not need (and which warns about the Node version at import).
    const { ROLES_TO_START, start } = await import('../start.js');
    if (!(ROLES_TO_START as readonly string[]).includes(role)) {
      throw new UsageError(`--role must be one of ${ROLES_TO_START.join(', ')}`);
    }
    const workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError('--workers must be a whole number from 1 to 64');
    const logger = createCliLogger(config);
    if (workers > 1 && !isClusterWorker()) {
      if (role !== 'gateway') throw new UsageError('--workers applies to --role gateway');
      if (!config.DATABASE_URL || !config.REDIS_URL) throw new UsageError('--workers needs DATABASE_URL and REDIS_URL (shared limits and revocations)');
      await superviseWorkers({ count: workers, logger, processCount: process.env.GATEWAY_PROCESS_COUNT ? config.GATEWAY_PROCESS_COUNT : undefined, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
      logger.flush();
      return;
    }
    const started = await start({ config, logger, role: role as StartRole });
    // The embedded database is this process's alone: other `gatehouse` commands run here.
    const channel = config.DATABASE_URL
      ? undefined
      : await serveControlChannel({
        dataDir: config.DATA_DIR,
        context: { db: started.runtime.db, config, bus: started.runtime.bus },
        logger,
        run: async (args, io) => (await import('../main.js')).main(args, io),
      });
    if (started.urls.gateway) console.log(`Gatehouse is listening on ${config.PUBLIC_URL} (role ${role})`);

    await new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        logger.info({ signal }, 'shutting down');
        Promise.resolve(channel?.close()).then(() => started.stop()).then(resolve, (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exitCode = 1;
          resolve();
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    logger.info('stopped');
    logger.flush();
    // A cluster worker's IPC channel would keep it alive after a clean stop.
    if (isClusterWorker()) process.disconnect?.();
  },
};
