import http from 'node:http';

/** A tiny keep-alive HTTP client that carries one cookie jar per simulated browser. */
export class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(
    private readonly agent: http.Agent,
    private readonly origin: string,
    /** Sent as X-Forwarded-For on every request: to a server that trusts loopback proxies, this browser's own address. */
    private readonly address?: string,
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  request(method: 'GET' | 'POST', target: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; location: string | undefined; text: string }> {
    const url = new URL(target, this.origin);
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            Cookie: this.cookieHeader(),
            ...(body === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) }),
            ...(this.address === undefined ? {} : { 'X-Forwarded-For': this.address }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            for (const cookie of res.headers['set-cookie'] ?? []) {
              const [pair] = cookie.split(';');
              const eq = pair?.indexOf('=') ?? -1;
              if (pair !== undefined && eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
            }
            resolve({ status: res.statusCode ?? 0, location: res.headers.location, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/**
 * One complete web sign-in against the sandbox, as a browser does it: login → authorize page →
 * "Yes, allow access" → callback (which makes the app call the stand-in's auth.getSession).
 */
export async function signInOnce(browser: Browser, user = 'sandbox-ada'): Promise<void> {
  const login = await browser.request('GET', '/auth/login');
  if (login.status !== 303 || login.location === undefined) throw new Error(`login answered ${login.status}`);
  const page = await browser.request('GET', login.location);
  const id = /name="request" value="([^"]+)"/.exec(page.text)?.[1];
  if (page.status !== 200 || id === undefined) throw new Error(`authorize page answered ${page.status}`);
  const allow = await browser.request('POST', '/sandbox/api/auth/', new URLSearchParams({ request: id, decision: 'allow', user }).toString());
  if (allow.status !== 303 || allow.location === undefined) throw new Error(`authorize answered ${allow.status}`);
  const callback = await browser.request('GET', allow.location);
  if (callback.status !== 303) throw new Error(`callback answered ${callback.status}: ${callback.text.slice(0, 200)}`);
}

export interface RoundTripResult {
  signInsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  failed: number;
}

/**
 * `workers` browsers signing in back to back for `durationSeconds`. With `ownAddresses`, each
 * browser names an address of its own in X-Forwarded-For (10.21.0.<n>), for a server that trusts
 * loopback proxies: people signing in from as many places, not one address meeting its own limits.
 */
export async function measureSignIns(origin: string, workers: number, durationSeconds: number, ownAddresses = false): Promise<RoundTripResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + durationSeconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < deadline) {
        const browser = new Browser(agent, origin, ownAddresses ? `10.21.0.${worker + 1}` : undefined);
        const t0 = performance.now();
        try {
          await signInOnce(browser);
          latencies.push(performance.now() - t0);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { signInsPerSecond: latencies.length / elapsed, p50Ms: pick(0.5), p99Ms: pick(0.99), completed: latencies.length, failed };
}
