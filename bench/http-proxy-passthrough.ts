import http from 'node:http';
import httpProxy from 'http-proxy';

// Bare http-proxy pass-through with keep-alive upstream connections: the design's proxy core.
const [port, target] = [Number(process.argv[2]), process.argv[3]!];
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
const proxy = httpProxy.createProxyServer({ target, agent });
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
});
http.createServer((req, res) => proxy.web(req, res)).listen(port, '127.0.0.1', () => process.send?.('ready'));
