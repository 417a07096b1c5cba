// Prints the configuration table of README.md from the config schema: `npm run config:table`.
import { describeConfig } from '../src/shared/config/index.js';

export function configTable(): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const shown = (json: string) => {
    const value: unknown = JSON.parse(json);
    if (Array.isArray(value)) return value.length === 0 ? '(empty)' : `\`${value.join(',')}\``;
    return `\`${String(value)}\``;
  };
  const rows = describeConfig().map((row) => `| \`${row.name}\` | ${row.default ? escape(shown(row.default)) : '—'} | ${escape(row.description)} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(configTable());
