import { parseArgs } from 'node:util';
import { ConfigError } from '../shared/config/index.js';
import { AppError } from '../shared/errors.js';
import { DataDirLockedError } from '../db/lock.js';
import { UsageError, type Command } from './command.js';
import { commands } from './commands/index.js';
import { callControlChannel, type CommandIo } from './control-channel.js';
import { loadCliConfig } from './commands/shared.js';

const consoleIo: CommandIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.words.join(' ').length));
  return [
    'usage: gatehouse <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'gatehouse <command> --help shows a command\'s options. Configuration comes from the environment (see README).',
  ].join('\n');
}

function findCommand(args: string[]): { command: Command; rest: string[] } | undefined {
  const matches = commands
    .filter((c) => c.words.every((word, i) => args[i] === word))
    .sort((a, b) => b.words.length - a.words.length);
  const command = matches[0];
  return command ? { command, rest: args.slice(command.words.length) } : undefined;
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage. A command other than `start`
 * on the embedded database runs in the Gatehouse process serving DATA_DIR when there is one
 * (control-channel.ts), since PGlite serves one process.
 */
export async function main(args: string[], io: CommandIo = consoleIo): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    io.out(helpText());
    return args.length === 0 ? 2 : 0;
  }
  const found = findCommand(args);
  if (!found) {
    io.err(`gatehouse: unknown command "${args.filter((a) => !a.startsWith('-')).join(' ')}"\n\n${helpText()}`);
    return 2;
  }
  const { command, rest } = found;
  try {
    const expected = command.positionals ?? 0;
    const parsed = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: expected > 0 });
    if (parsed.values.help) {
      io.out(`usage: ${command.usage}\n\n${command.summary}${command.help ? `\n\n${command.help}` : ''}`);
      return 0;
    }
    if (parsed.positionals.length !== expected) throw new UsageError(`expected ${expected} argument(s), got ${parsed.positionals.length}`);
    if (command.words[0] !== 'start' && io === consoleIo) {
      const config = loadCliConfig();
      const remote = config.DATABASE_URL ? undefined : await callControlChannel(config.DATA_DIR, args, io);
      if (remote !== undefined) return remote;
    }
    const code = await command.run({ values: parsed.values, positionals: parsed.positionals, out: (line) => { io.out(line); } });
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`gatehouse: ${(err as Error).message}\nusage: ${command.usage}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof AppError) {
      io.err(`gatehouse: ${err.message}`);
      return 1;
    }
    io.err(`gatehouse: ${(err as Error)?.stack ?? String(err)}`);
    return 1;
  }
}
