import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback reverse proxy for `/sub/`, as nginx's `location /sub/ { proxy_pass http://app; }` (or
 * `http://app/;`, which strips the prefix) would be: adds X-Forwarded-For/-Proto/-Host.
 */
export function startProxy(target: number, stripPrefix: boolean): Promise<http.Server> {
  const proxy = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith('/sub/')) {
      res.writeHead(404).end('not proxied');
      return;
    }
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: target,
        method: req.method,
        path: stripPrefix ? path.slice('/sub'.length) : path,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'http', 'x-forwarded-host': req.headers.host ?? '' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end('bad gateway'));
    req.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(proxy)));
}

export async function listenOnLoopback(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
