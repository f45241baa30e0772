import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from './free-port';
import { recordFixedSecrets, recordLogLines } from './log-audit';

const ROOT = path.join(__dirname, '..', '..');

/** `node src/server.ts` in a child process, from source, as `npm start` runs the built one. */
export class ServerProcess {
  output = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    // The real server's own log lines go to the log audit with everything else. 'close', not
    // 'exit': only then has the child's last output been read.
    this.exited = new Promise((resolve) =>
      child.once('close', (code) => {
        recordLogLines(this.output.split('\n').filter((line) => line !== ''));
        resolve(code);
      }),
    );
  }

  /** Starts the server with `env` only (plus PATH), in `cwd` so no stray .env is read, and waits until it listens. */
  static async start(env: Record<string, string>, cwd: string): Promise<ServerProcess> {
    recordFixedSecrets([env.LASTFM_SHARED_SECRET, env.SESSION_SECRET, env.ENCRYPTION_KEY].filter((value): value is string => value !== undefined));
    const port = env.PORT ?? String(await freePort());
    const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/helpers/ts-register.js'), path.join(ROOT, 'src/server.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}/`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`);
    // The whole line, with the fields tests read from it, not just its first bytes.
    await server.waitFor(/(Listening|Sandbox:)[^\n]*\n/, 20_000);
    return server;
  }

  /**
   * Starts a server that is expected to refuse to start; resolves with its exit code and output.
   * `as` runs it as another user (the tests run as root in CI, where permissions do not bite).
   */
  static async failing(env: Record<string, string>, cwd: string, as?: { uid: number; gid: number }): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/helpers/ts-register.js'), path.join(ROOT, 'src/server.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(await freePort()), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...as,
    });
    const server = new ServerProcess(child, '');
    const code = await server.exit(20_000);
    return { code, output: server.output };
  }

  /** Waits until the output matches `pattern`: a line logged after "Listening" may not have arrived with it. */
  async waitFor(pattern: RegExp, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null) throw new Error(`server exited with ${this.child.exitCode}: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`server did not log ${String(pattern)} within ${ms} ms: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The exit code, or a thrown error (and a killed child) if it takes longer than `ms`. */
  async exit(ms: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`server did not exit within ${ms} ms: ${this.output}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
