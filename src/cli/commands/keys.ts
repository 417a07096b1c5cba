import type { Command } from '../command.js';
import { rotateSigningKeys, SIGNING_KEYS_CHANNEL } from '../../auth/keys/signing-keys.js';
import { createRedis } from '../../shared/redis.js';
import { installationSecrets, withDatabase } from './shared.js';

export const keysRotateCommand: Command = {
  words: ['keys', 'rotate'],
  summary: 'add a new current token-signing key; old keys stay published until their tokens expire',
  usage: 'gatehouse keys rotate [--json]',
  options: { json: { type: 'boolean' } },
  async run({ values, out }) {
    const result = await withDatabase(async (db, config, bus) => {
      const secrets = await installationSecrets(db, config);
      const rotated = await rotateSigningKeys({ knex: db.knex, secrets, config, now: () => Date.now() });
      // Running auth servers also poll (SIGNING_KEY_REFRESH_SECONDS); the announcement makes it immediate.
      if (bus) {
        await bus.publish(SIGNING_KEYS_CHANNEL, { generation: rotated.generation });
      } else if (config.REDIS_URL) {
        const redis = createRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, name: 'cli' });
        try {
          await redis.connect();
          await redis.publish(config.REDIS_KEY_PREFIX + SIGNING_KEYS_CHANNEL, JSON.stringify({ generation: rotated.generation }));
        } catch {
          // Not fatal: the servers pick the key up on their next poll.
        } finally {
          redis.disconnect();
        }
      }
      return rotated;
    });
    out(values.json ? JSON.stringify(result) : `signing keys rotated: generation ${result.generation} (${result.kids.join(', ')})`);
  },
};
