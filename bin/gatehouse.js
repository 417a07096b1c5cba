#!/usr/bin/env node
// The `gatehouse` command: runs the compiled CLI (`npm run build` makes it).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/bin.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('gatehouse: not built yet; run `npm run build` (or `npm start`, which builds first)');
  process.exit(1);
}
await import(entry.href);
