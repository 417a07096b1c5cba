import http from 'node:http';
import { readFileSync } from 'node:fs';

// The stub upstream every contender proxies to: a small JSON answer on a keep-alive connection,
// plus the JWKS Gatehouse fetches at /oauth2/jwks (BENCH_JWKS names the file).
const port = Number(process.argv[2]);
const jwks = process.env.BENCH_JWKS ? readFileSync(process.env.BENCH_JWKS) : Buffer.from('{"keys":[]}');
const body = Buffer.from('{"ok":true,"data":{"id":"u_1","email":"bench@example.test","role":"admin"}}');

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/oauth2/jwks') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': jwks.length });
      res.end(jwks);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.send?.('ready'));
