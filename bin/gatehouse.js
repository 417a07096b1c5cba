#!/usr/bin/env node
// The `gatehouse` command: the compiled CLI when there is one (`npm start` and `npm run build`
// make it), else the sources through tsx, so `npx gatehouse …` works on a fresh clone.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/bin.js', import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('gatehouse: not built yet and tsx is not installed; run `npm ci && npm run build`');
    process.exit(1);
  }
  register();
  await import(new URL('../src/cli/bin.ts', import.meta.url).href);
}
