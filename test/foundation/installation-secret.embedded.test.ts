import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// A process started with another root secret than the installation's stops at once, saying how
// to fix it; one that would generate a secret of its own next to a shared database does not start.

const MISMATCH = 'gatehouse: SECRET does not match this installation\'s root secret (the database recorded its fingerprint on DAY). ' +
  'Every process of one installation must use the same secret: set SECRET to the value the other processes use';

describe('the installation\'s root secret at start', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-secret-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const today = () => new Date().toISOString().slice(0, 10);

  it('records the generated secret on the first migration and refuses a process with another one (exit 1)', async () => {
    const migrated = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(migrated.code).toBe(0);

    const other = await runCli(['start'], { DATA_DIR: dataDir, SECRET: 'another-secret-that-is-long-enough-0123456789', PORT: '0' });
    expect(other.code).toBe(1);
    expect(other.stderr.trim()).toBe(`${MISMATCH.replace('DAY', today())}.`);

    rmSync(path.join(dataDir, 'secret.key'));
    const regenerated = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(regenerated.code).toBe(1);
    expect(regenerated.stderr.trim()).toBe(`${MISMATCH.replace('DAY', today())} (this process read or generated DATA_DIR/secret.key: set SECRET, or point DATA_DIR at the folder holding the installation's secret.key).`);
  }, 240_000);

  it('refuses to generate a secret when DATABASE_URL is set, asking for SECRET', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-secret-'));
    try {
      for (const command of [['start', '--role', 'gateway'], ['migrate']]) {
        const result = await runCli(command, { DATA_DIR: empty, DATABASE_URL: 'postgres://gatehouse@127.0.0.1:1/gatehouse' });
        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toBe(
          'gatehouse: SECRET is required when DATABASE_URL is set: every process of one installation must share one root secret, and a generated one would be this process\'s alone. ' +
          'Set SECRET to the value the other processes use (for a new installation: 32 or more random characters, e.g. `openssl rand -base64 32`).',
        );
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 240_000);
});
