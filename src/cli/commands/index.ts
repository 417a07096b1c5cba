import type { Command } from '../command.js';
import { clientCreateCommand, clientDeleteCommand, clientListCommand, clientRotateSecretCommand } from './client.js';
import { keysRotateCommand } from './keys.js';
import { mailListCommand, mailPreviewCommand, mailShowCommand } from './mail.js';
import { migrateCommand } from './migrate.js';
import { orgCreateCommand } from './org.js';
import { secretRotateCommand } from './secret.js';
import { seedCommand } from './seed.js';
import { startCommand } from './start.js';
import { userCreateCommand, userDisableCommand } from './user.js';

/** Every `gatehouse` command; `gatehouse --help` lists them in this order. */
export const commands: Command[] = [startCommand, migrateCommand, orgCreateCommand, userCreateCommand, userDisableCommand,
  clientCreateCommand, clientListCommand, clientRotateSecretCommand, clientDeleteCommand,
  keysRotateCommand, secretRotateCommand, mailListCommand, mailShowCommand, mailPreviewCommand, seedCommand];
