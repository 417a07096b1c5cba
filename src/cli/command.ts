import type { ParseArgsConfig } from 'node:util';

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommandContext {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  out(line: string): void;
}

/** One CLI command: `gatehouse <words...> [options]`. */
export interface Command {
  /** Words after `gatehouse`, e.g. `['user', 'create']`. */
  words: string[];
  summary: string;
  usage: string;
  /** More words for `--help`, after the usage and summary. */
  help?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** How many words follow the options as positionals (`gatehouse mail show ID`); none by default. */
  positionals?: number;
  run(context: CommandContext): Promise<number | void>;
}

export function requireString(values: CommandContext['values'], name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}
