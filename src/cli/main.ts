import { parseArgs } from 'node:util';
import { ConfigError } from '../shared/config/index.js';
import { AppError } from '../shared/errors.js';
import { DataDirLockedError } from '../db/lock.js';
import { UsageError, type Command } from './command.js';
import { commands } from './commands/index.js';

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

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage. */
export async function main(args: string[]): Promise<number> {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    console.log(helpText());
    return args.length === 0 ? 2 : 0;
  }
  const found = findCommand(args);
  if (!found) {
    console.error(`gatehouse: unknown command "${args.filter((a) => !a.startsWith('-')).join(' ')}"\n\n${helpText()}`);
    return 2;
  }
  const { command, rest } = found;
  try {
    const expected = command.positionals ?? 0;
    const parsed = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: expected > 0 });
    if (parsed.values.help) {
      console.log(`usage: ${command.usage}\n\n${command.summary}${command.help ? `\n\n${command.help}` : ''}`);
      return 0;
    }
    if (parsed.positionals.length !== expected) throw new UsageError(`expected ${expected} argument(s), got ${parsed.positionals.length}`);
    const code = await command.run({ values: parsed.values, positionals: parsed.positionals, out: (line) => console.log(line) });
    return code ?? 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`gatehouse: ${(err as Error).message}\nusage: ${command.usage}`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof AppError) {
      console.error(`gatehouse: ${err.message}`);
      return 1;
    }
    console.error(`gatehouse: ${(err as Error)?.stack ?? String(err)}`);
    return 1;
  }
}
