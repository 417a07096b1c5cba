import http from 'node:http';
import { Pool } from 'undici';

// Bare undici pass-through: the same Pool.stream core Gatehouse uses, without its pipeline.
const [port, target] = [Number(process.argv[2]), process.argv[3]!];
const pool = new Pool(target, { connections: 128 });
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'te', 'trailer', 'proxy-connection']);
http.createServer((req, res) => {
  const headers: Record<string, string | string[]> = {};
  for (const name in req.headers) if (!hopByHop.has(name)) headers[name] = req.headers[name]!;
  pool
    .stream({ path: req.url!, method: req.method as 'GET', headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req }, ({ statusCode, headers: upstream }) => {
      const out: Record<string, string | string[]> = {};
      for (const name in upstream) if (!hopByHop.has(name)) out[name] = upstream[name]!;
      res.writeHead(statusCode, out);
      return res;
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
