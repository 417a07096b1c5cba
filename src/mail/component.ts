import type { Component, Runtime } from '../shared/runtime.js';
import { startMailSender } from './sender.js';
import { createSmtpTransport } from './transport.js';

/**
 * The mail sender as a component of `gatehouse start` (roles `all` and `worker`). Without
 * MAIL_URL there is nothing to send to: mails stay in the local mailbox and this component is not
 * started (the start banner says so).
 */
export function createMailComponent(runtime: Runtime): Component {
  const { config } = runtime;
  const logger = runtime.logger.child({ component: 'mail' });
  const transport = createSmtpTransport(config);
  const sender = startMailSender({ knex: runtime.db.knex, bus: runtime.bus, clock: runtime.clock, logger, transport, config });
  logger.info({ from: config.MAIL_FROM }, 'mail sender started');
  return { name: 'mail', stop: () => sender.stop() };
}
