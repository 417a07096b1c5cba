import { UsageError, type Command } from '../command.js';
import { rotateRootSecret } from '../secret-rotation.js';
import { withDatabase } from './shared.js';
import { loadSecrets } from '../../shared/secrets.js';

const DAY_MS = 86_400_000;

export const secretRotateCommand: Command = {
  words: ['secret', 'rotate'],
  summary: 'make SECRET the installation\'s root secret, re-sealing what SECRET_PREVIOUS sealed; the previous one stays accepted for a grace period',
  usage: 'gatehouse secret rotate [--grace-days N] [--json]',
  help: 'Run with SECRET set to the new root secret and SECRET_PREVIOUS to the current one, after every process was restarted with both (docs/operating.md, "Rotating the root secret").',
  options: { 'grace-days': { type: 'string', default: '30' }, json: { type: 'boolean' } },
  async run({ values, out }) {
    const graceDays = Number(values['grace-days']);
    if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > 365) throw new UsageError('--grace-days must be a whole number from 0 to 365');
    const result = await withDatabase(async (db, config) => {
      const secrets = loadSecrets({ secret: config.SECRET, previous: config.SECRET_PREVIOUS, dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
      return rotateRootSecret(db.knex, secrets, { now: Date.now, graceMs: graceDays * DAY_MS });
    });
    if (values.json) {
      out(JSON.stringify({ resealed: result.resealed, previous_accepted_until: result.previousAcceptedUntil.toISOString(), first: result.first }));
      return;
    }
    const counts = Object.entries(result.resealed).map(([name, n]) => `${n} ${name}`).join(', ');
    out(`root secret ${result.first ? 'rotated' : 'already rotated'}: re-sealed ${counts}; SECRET_PREVIOUS is accepted until ${result.previousAcceptedUntil.toISOString()}.`);
    if (result.first) out('Next: restart every process (same SECRET and SECRET_PREVIOUS), run `gatehouse secret rotate` once more, and remove SECRET_PREVIOUS before the grace period ends.');
  },
};
