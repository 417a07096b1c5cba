import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { serveControlChannel, type ControlChannel } from '../../src/cli/control-channel.js';
import { main } from '../../src/cli/main.js';
import { conforms, documents, examples, ROOT, type Example } from './markdown.js';

// Every ```sh example of README.md and docs/ runs, in order, one shell per document (so a guide's
// variables carry from block to block), against a Gatehouse started the way the guides start it.
// Each block's last line of output is checked against the ```json answer printed after it, and
// any error a block meets must be one its text names (a comment such as `# → 401 invalid_auth`).

const DOCUMENTED_URL = 'http://localhost:8080';
// Guides run `npx gatehouse …` from the repository; the test runs the same entry point.
const GATEHOUSE_BIN = `node ${JSON.stringify(path.join(ROOT, 'bin/gatehouse.js'))}`;

interface BlockRun {
  example: Example;
  stdout: string;
}

function runDocument(runnable: Example[], baseUrl: string, cliEnv: Record<string, string>): Promise<{ runs: BlockRun[]; failure?: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-docs-'));
  const script = ['set -euo pipefail', `cd ${JSON.stringify(dir)}`];
  runnable.forEach((example, index) => {
    script.push(`echo ${index} > ${JSON.stringify(path.join(dir, 'current'))}`, `exec > ${JSON.stringify(path.join(dir, `${index}.out`))}`);
    script.push(example.code.replaceAll(DOCUMENTED_URL, baseUrl).replaceAll('npx gatehouse', GATEHOUSE_BIN));
  });
  script.push(`echo done > ${JSON.stringify(path.join(dir, 'current'))}`);
  return new Promise((resolve) => {
    const env = { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'warn', ...cliEnv };
    execFile('bash', ['-c', script.join('\n')], { timeout: 90_000, env }, (err, _stdout, stderr) => {
      const runs = runnable.map((example, index) => {
        const file = path.join(dir, `${index}.out`);
        return { example, stdout: existsSync(file) ? readFileSync(file, 'utf8') : '' };
      });
      const current = readFileSync(path.join(dir, 'current'), 'utf8').trim();
      rmSync(dir, { recursive: true, force: true });
      if (!err && current === 'done') return resolve({ runs });
      const failed = runnable[Number(current)];
      const where = failed ? `${failed.file}:${failed.line}` : 'the script';
      resolve({ runs, failure: `${where} failed (${err?.message.split('\n')[0]}):\n${stderr.slice(-2_000)}\n${failed ? runs[Number(current)]!.stdout.slice(-1_000) : ''}` });
    });
  });
}

const jsonLines = (stdout: string): unknown[] =>
  stdout.split('\n').flatMap((line) => {
    try {
      return line.trim().startsWith('{') ? [JSON.parse(line)] : [];
    } catch {
      return [];
    }
  });

describe('documentation examples', () => {
  let gatehouse: TestGatehouse;
  let channel: ControlChannel | undefined;
  beforeAll(async () => {
    gatehouse = await startTestGatehouse({ config: { ADMIN_EMAIL: undefined, ADMIN_PASSWORD: 'admin-password-1' } });
    // As `gatehouse start` does on the embedded database, so the guides' CLI commands reach it.
    const { runtime } = gatehouse;
    if (!runtime.config.DATABASE_URL) {
      channel = await serveControlChannel({
        dataDir: runtime.config.DATA_DIR, context: { db: runtime.db, config: runtime.config, bus: runtime.bus }, logger: runtime.logger, run: main,
      });
    }
  }, 60_000);
  afterAll(async () => {
    await channel?.close();
    await gatehouse?.stop();
  });

  it('marks every example it cannot run with a reason', () => {
    const unmarked = documents().flatMap(examples).filter((example) => example.skipReason === '');
    expect(unmarked.map((e) => `${e.file}:${e.line}`)).toEqual([]);
  });

  for (const file of documents()) {
    const runnable = examples(file).filter((example) => example.skipReason === undefined);
    if (runnable.length === 0) continue;
    it(`${file}: ${runnable.length} examples run and answer as documented`, async () => {
      const { DATA_DIR, DATABASE_URL, SECRET } = gatehouse.runtime.config;
      // The CLI reaches the same installation: the running process over the operator channel, or Postgres.
      const cliEnv = { DATA_DIR, ...(DATABASE_URL ? { DATABASE_URL } : {}), ...(SECRET ? { SECRET } : {}) };
      const { runs, failure } = await runDocument(runnable, gatehouse.url, cliEnv);
      expect(failure).toBeUndefined();
      for (const { example, stdout } of runs) {
        const where = `${example.file}:${example.line}`;
        for (const answer of jsonLines(stdout)) {
          const code = (answer as { error?: unknown }).error;
          if (typeof code === 'string') expect(example.code, `${where} met an error its text does not name`).toContain(code);
        }
        if (!example.expected) continue;
        const documented = JSON.parse(example.expected.json) as unknown;
        const last = stdout.trim().split('\n').at(-1) ?? '';
        let actual: unknown;
        try {
          actual = JSON.parse(last);
        } catch {
          throw new Error(`${where}: the last line of output is not JSON: ${last.slice(0, 300)}`);
        }
        expect(conforms(actual, documented), `${where} against the answer at line ${example.expected.line}; it printed:\n${stdout.slice(-1_500)}`).toBeUndefined();
      }
    }, 120_000);
  }
});
