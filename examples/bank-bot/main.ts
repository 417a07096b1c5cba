import { startBankBot } from './bot.js';

// `npm run bank-bot`: Freddy, AG Bank's bot, against a local Gatehouse. The first run sets
// everything up with the admin's credentials; later runs reuse (and repair) that setup.
//
//   GATEHOUSE_URL   the gateway (default http://localhost:8080)
//   BOT_PORT        where Freddy listens (default 4000, on 127.0.0.1)
//   ADMIN_EMAIL / ADMIN_PASSWORD, or ADMIN_TOKEN   the admin who sets it up (default admin@localhost)
//   BOT_DATA_DIR    where the bot keeps its key and webhook secret (default examples/bank-bot/.data)

const env = process.env;
const admin = env.ADMIN_TOKEN
  ? { token: env.ADMIN_TOKEN }
  : env.ADMIN_PASSWORD
    ? { email: env.ADMIN_EMAIL ?? 'admin@localhost', password: env.ADMIN_PASSWORD }
    : undefined;

try {
  const bot = await startBankBot({
    gatehouseUrl: (env.GATEHOUSE_URL ?? 'http://localhost:8080').replace(/\/$/, ''),
    port: Number(env.BOT_PORT ?? 4000),
    ...(admin ? { admin } : {}),
    ...(env.BOT_DATA_DIR ? { dataDir: env.BOT_DATA_DIR } : {}),
    log: (line) => console.log(line),
  });
  console.log(`\n  Open the demo page and say hi to Freddy:\n  ${bot.demoUrl}\n`);
  const stop = () => void bot.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`Freddy could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
