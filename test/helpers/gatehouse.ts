import { start, type StartRole, type Started } from '../../src/cli/start.js';
import { freePort } from './net.js';
import { createTestRuntime, type TestRuntimeOptions } from './runtime.js';

export { TEST_SECRET, createTestRuntime, testConfig, type TestRuntimeOptions } from './runtime.js';

export interface TestGatehouse extends Started {
  /** Base URL of the public gateway. */
  readonly url: string;
}

/** Gatehouse started in this process (all components, or one role) on a fresh test runtime. */
export async function startTestGatehouse(options: TestRuntimeOptions & { role?: StartRole } = {}): Promise<TestGatehouse> {
  // The issuer must be the gateway's real address, so the port is chosen before anything starts;
  // another test may take it in between, so a taken port means a second try on another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const runtime = await createTestRuntime({
      ...options,
      config: { PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}`, ...options.config },
    });
    try {
      const started = await start({ config: runtime.config, logger: runtime.logger, role: options.role ?? 'all', runtime, print: () => {} });
      return { ...started, url: started.urls.gateway ?? '' };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 3) throw err;
    }
  }
}
