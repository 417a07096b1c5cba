import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

describe('the gatehouse command', () => {
  it('lists its commands with --help and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['start', 'migrate', 'org create', 'user create']) expect(result.stdout).toContain(command);
  });

  it('exits 2 with a clear message on an unknown command or a bad option', async () => {
    const unknown = await runCli(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('gatehouse: unknown command "launch"');

    const badRole = await runCli(['start', '--role', 'proxy']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role must be one of all, gateway, auth, api, worker');

    const missing = await runCli(['user', 'create', '--email', 'a@b.c']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--password is required');

    const unknownOption = await runCli(['org', 'create', '--nmae', 'x']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("Unknown option '--nmae'");
  });

  it('stops at boot with a one-line message naming a bad configuration field', async () => {
    const result = await runCli(['start'], { PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['gatehouse: invalid configuration: PORT: must be a number']);
  });
});

describe('gatehouse start on the embedded database', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  // No AUTH_PORT / API_PORT: with `--role all` the internal listeners take free ports by default.
  async function startProcess(port: number, dir = dataDir) {
    const child = spawnCli(['start'], { DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1' });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json() as Promise<{ status: string }>, () => undefined);
      if (health?.status === 'healthy') break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`gatehouse did not start:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { child, output: () => stdout };
  }

  it('serves /health, refuses a second process on the same DATA_DIR, stops on SIGTERM and keeps its data', async () => {
    const port = await freePort();
    const first = await startProcess(port);
    expect(first.output()).toMatch(/First run: admin user admin@localhost created with password [A-Za-z0-9_-]{20}/);
    expect(first.output()).toContain(`Gatehouse is listening on http://localhost:${port}`);
    expect(existsSync(path.join(dataDir, 'gatehouse.lock'))).toBe(true);

    const second = await runCli(['start'], { DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`gatehouse: the embedded database in ${dataDir} is in use by process ${first.child.pid}`);

    first.child.kill('SIGTERM');
    const [code] = (await once(first.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(existsSync(path.join(dataDir, 'gatehouse.lock'))).toBe(false);

    const org = await runCli(['org', 'create', '--name', 'Acme', '--json'], { DATA_DIR: dataDir });
    expect(org.code).toBe(0);
    const created = JSON.parse(org.stdout) as { id: string; name: string };
    expect(created.name).toBe('Acme');
    const user = await runCli(
      ['user', 'create', '--email', 'agent@acme.test', '--password', 'agent-password', '--role', 'agent', '--org', 'Acme', '--json'],
      { DATA_DIR: dataDir },
    );
    expect(user.code).toBe(0);
    expect(JSON.parse(user.stdout)).toMatchObject({ email: 'agent@acme.test', role: 'agent', organization_id: created.id });
    const duplicate = await runCli(
      ['user', 'create', '--email', 'AGENT@acme.test', '--password', 'agent-password', '--role', 'agent', '--org', 'Acme'],
      { DATA_DIR: dataDir },
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('gatehouse: A resource with the same unique value already exists.');

    // Restart: the data is still there, so no new admin is generated.
    const again = await startProcess(port);
    expect(again.output()).not.toContain('First run');
    again.child.kill('SIGINT');
    const [againCode] = (await once(again.child, 'exit')) as [number | null];
    expect(againCode).toBe(0);
    const users = await runCli(['user', 'create', '--email', 'agent@acme.test', '--password', 'agent-password', '--role', 'agent', '--org', 'Acme'], { DATA_DIR: dataDir });
    expect(users.stderr).toContain('already exists');
  }, 90_000);

  it('runs two instances side by side with their own PORT and DATA_DIR and no other setting', async () => {
    const dirs = [mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-a-')), mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-b-'))];
    const ports = [await freePort(), await freePort()];
    const instances = [await startProcess(ports[0]!, dirs[0])];
    try {
      instances.push(await startProcess(ports[1]!, dirs[1]));
      for (const port of ports) {
        const discovery = (await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).json()) as { issuer: string };
        expect(discovery.issuer).toBe(`http://localhost:${port}`);
      }
    } finally {
      for (const instance of instances) instance.child.kill('SIGTERM');
      await Promise.all(instances.map((instance) => once(instance.child, 'exit')));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('runs other commands in the running server over the control channel: a client, an organization, a key rotation it uses at once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-channel-'));
    const port = await freePort();
    const server = await startProcess(port, dir);
    try {
      const password = /created with password (\S+)/.exec(server.output())![1]!;
      const env = { DATA_DIR: dir };
      const client = await runCli(['client', 'create', '--name', 'Ticket bot', '--type', 'service', '--scope', 'bot', '--json'], env);
      expect(client.stderr).toBe('');
      expect(client.code).toBe(0);
      expect(JSON.parse(client.stdout)).toMatchObject({ name: 'Ticket bot', type: 'service', maxRole: 'bot', client_secret: expect.any(String) });
      const org = await runCli(['org', 'create', '--name', 'Acme', '--json'], env);
      expect([org.code, JSON.parse(org.stdout).name]).toEqual([0, 'Acme']);
      const usage = await runCli(['org', 'create'], env);
      expect([usage.code, usage.stderr.trim().split('\n')[0]]).toEqual([2, 'gatehouse: --name is required']);

      const rotated = await runCli(['keys', 'rotate', '--json'], env);
      expect(rotated.code).toBe(0);
      const { kids } = JSON.parse(rotated.stdout) as { kids: string[] };
      // The running server signs with the new key at once, and its gateway accepts the token.
      const signIn = await fetch(`http://127.0.0.1:${port}/v2/auth/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@localhost', password }),
      });
      const { token } = (await signIn.json()) as { token: string };
      const { kid } = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
      expect(kids).toContain(kid);
      const me = await fetch(`http://127.0.0.1:${port}/v2/users/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);

      // The operator disables the account: its token stops at the gateway, and it cannot sign in again.
      const disabled = await runCli(['user', 'disable', '--email', 'admin@localhost', '--json'], env);
      expect([disabled.code, JSON.parse(disabled.stdout).disabled]).toEqual([0, true]);
      const deadline = Date.now() + 1_000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        status = (await fetch(`http://127.0.0.1:${port}/v2/users/me`, { headers: { authorization: `Bearer ${token}` } })).status;
      }
      expect(status).toBe(401);
      const again = await fetch(`http://127.0.0.1:${port}/v2/auth/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@localhost', password }),
      });
      expect([again.status, ((await again.json()) as { error: string }).error]).toEqual([401, 'invalid_credentials']);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    // Stopped: the socket is gone and commands open the database themselves again.
    expect(existsSync(path.join(dir, 'control.sock'))).toBe(false);
    const direct = await runCli(['org', 'create', '--name', 'Later', '--json'], { DATA_DIR: dir });
    expect(direct.code).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }, 150_000);
});
