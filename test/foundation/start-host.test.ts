import { describe, expect, it } from 'vitest';
import { start } from '../../src/cli/start.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestRuntime } from '../helpers/runtime.js';

// Issue 17, finding 8: `gatehouse start` exposes the gateway to the network only when the
// operator says so; by default it listens on loopback. The socket's own address is asserted.

describe('gatehouse start: the interface the gateway binds to', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['HOST unset: loopback only', { HOST: undefined }, '127.0.0.1'],
    ['HOST=0.0.0.0: every interface, as the operator asked', { HOST: '0.0.0.0' }, '0.0.0.0'],
  ];
  it.each(cases)('%s', async (_name, config, expected) => {
    const runtime = await createTestRuntime({ config: { ...config, MIGRATE_ON_START: false } });
    expect(runtime.config.HOST).toBe(expected);
    const started = await start({ config: runtime.config, logger: createLogger({ level: 'silent' }), role: 'gateway', runtime, print: () => {} });
    try {
      expect(started.addresses.gateway).toMatch(new RegExp(`^${expected.replace(/\./g, '\\.')}:\\d+$`));
      const port = started.addresses.gateway!.split(':').pop();
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      await started.stop();
    }
  });
});
