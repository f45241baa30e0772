import http from 'node:http';
import { DEMO_ACCOUNTS } from 'lastfm-sign-in/testing';
import { csrfFrom, startSandboxServer } from '../helpers/app';

/** A raw request, so the body can go out in chunks with no Content-Length, as streaming clients send it. */
function send(url: string, options: { method: string; headers: http.OutgoingHttpHeaders; chunks?: string[] }): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method, headers: options.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('request bodies', () => {
  it('reads a form sent in chunks without a Content-Length', async () => {
    const server = await startSandboxServer();
    try {
      const form = await send(`${server.baseUrl}/auth/mobile`, { method: 'GET', headers: {} });
      const cookie = (form.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
      const ada = DEMO_ACCOUNTS[0];
      if (ada === undefined) throw new Error('no demo account');
      const body = new URLSearchParams({ _csrf: csrfFrom(form.text), username: ada.name, password: ada.password }).toString();
      const signedIn = await send(`${server.baseUrl}/auth/mobile`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        chunks: [body.slice(0, 10), body.slice(10)],
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers['set-cookie']?.join(';')).toContain('lastfm_signin.sid=');
    } finally {
      await server.close();
    }
  });
});
