import { readFileSync } from 'node:fs';
import path from 'node:path';

/*
 * hadolint cannot be installed here (it is in neither Debian's packages nor, as a working
 * binary, on npm), so the image's rules are checked on the Dockerfile's text instead.
 */

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions with line continuations joined and comments dropped. */
function parseInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const continued = /\\\s*$/.test(line);
    current += `${line.replace(/\\\s*$/, '').trim()} `;
    if (!continued) {
      if (current.trim() !== '') logical.push(current.trim());
      current = '';
    }
  }
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

function parseStages(text: string): { args: Record<string, string>; stages: Stage[] } {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = instruction.args.split('=');
      args[name] = value;
    } else if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      const resolved = image.replace(/\$\{(\w+)\}/g, (_match, arg: string) => args[arg] ?? '');
      stages.push({ image: resolved, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

const dockerfile = read('Dockerfile');
const { stages } = parseStages(dockerfile);
const runtime = stages.at(-1) as Stage;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const stageNamed = (name: string | undefined) => stages.find((stage) => stage.name === name);
const copiedFrom = (stage: Stage, target: string) =>
  all(stage, 'COPY')
    .map((args) => /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(args))
    .find((match) => match?.[3] === target)?.[1];

describe('Dockerfile', () => {
  it('is multi-stage, every stage on a slim Node image pinned by major version', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toMatch(/^node:\d+(\.\d+){0,2}-(bookworm|bullseye|trixie)-slim$/);
    expect(new Set(stages.map((stage) => stage.image)).size).toBe(1);
  });

  it('compiles in a stage with dev dependencies and ships only its output', () => {
    const buildStage = stageNamed(copiedFrom(runtime, './dist'));
    expect(buildStage).toBeDefined();
    const runs = all(buildStage as Stage, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).not.toContain('--omit=dev');
    expect(runs).toContain('npm run build');
  });

  it('ships production dependencies only, built in a stage that has the native-addon toolchain', () => {
    const depsStage = stageNamed(copiedFrom(runtime, './node_modules'));
    expect(depsStage).toBeDefined();
    const runs = all(depsStage as Stage, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci [^\n]*--omit=dev/);
    expect(runs).toMatch(/apt-get install -y --no-install-recommends [^\n]*\bpython3\b/);
    for (const tool of ['make', 'g\\+\\+']) expect(runs).toMatch(new RegExp(`apt-get install [^\\n]*\\b${tool}`));
    expect(runs).toContain('rm -rf /var/lib/apt/lists/*');
    // The runtime stage installs nothing itself: no dev dependencies, no toolchain.
    expect(all(runtime, 'RUN').join('\n')).not.toMatch(/npm (ci|install)|apt-get/);
  });

  it('runs as a non-root user', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const lastUser = runtime.instructions.map((i) => i.keyword).lastIndexOf('USER');
    expect(runtime.instructions.slice(lastUser).some((i) => i.keyword === 'RUN')).toBe(false);
  });

  it('checks /healthz and starts node directly in exec form', () => {
    const [healthcheck] = all(runtime, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \[.*\/healthz/);
    expect(all(runtime, 'CMD').at(-1)).toBe('["node", "dist/server.js"]');
    expect(all(runtime, 'EXPOSE')).toContain('3000');
  });

  it('declares DATA_DIR as a volume the non-root user can write', () => {
    const env = all(runtime, 'ENV').join(' ');
    expect(env).toMatch(/\bDATA_DIR=\/app\/data\b/);
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(all(runtime, 'VOLUME')).toContain('/app/data');
    expect(all(runtime, 'RUN').join('\n')).toMatch(/chown node:node \/app\/data/);
  });

  it('bakes in no secret: no secret-looking ENV or ARG, no .env copied, no whole-context copy', () => {
    for (const stage of stages) {
      for (const keyword of ['ENV', 'ARG']) {
        for (const args of all(stage, keyword)) expect(args).not.toMatch(/SECRET|PASSWORD|TOKEN|API_KEY|SESSION_KEY|REDIS_URL/i);
      }
      for (const args of [...all(stage, 'COPY'), ...all(stage, 'ADD')]) {
        expect(args).not.toMatch(/\.env\b/);
        expect(args).not.toMatch(/^\.\s+\.?\/?$/);
      }
    }
    expect(dockerfile).not.toMatch(/^\s*ADD\s/m);
  });

  it('follows the usual lint rules: named stages, absolute WORKDIR, no cd or sudo in RUN', () => {
    for (const stage of stages) {
      expect(stage.name).toMatch(/^[a-z][a-z0-9-]*$/);
      for (const dir of all(stage, 'WORKDIR')) expect(dir.startsWith('/')).toBe(true);
      for (const run of all(stage, 'RUN')) expect(run).not.toMatch(/(^|&&\s*|;\s*)(cd|sudo)\s/);
    }
  });
});

describe('.dockerignore', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps local secrets, data, dependencies and history out of the build context', () => {
    for (const entry of ['.env', '.env.*', 'node_modules', 'dist', 'data', '.git']) expect(ignored).toContain(entry);
  });

  it('does not ignore what the image copies', () => {
    for (const needed of ['src', 'views', 'public', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(ignored).not.toContain(needed);
  });
});

describe('compose.yaml', () => {
  const compose = read('compose.yaml');

  it('runs the app from this Dockerfile next to Redis, with DATA_DIR on a volume', () => {
    expect(compose).toMatch(/^services:\n {2}app:\n {4}build: \.$/m);
    expect(compose).toMatch(/^ {2}redis:\n {4}image: redis:\d+/m);
    expect(compose).toMatch(/REDIS_URL: redis:\/\/redis:6379/);
    expect(compose).toMatch(/SESSION_STORE: redis/);
    expect(compose).toMatch(/- app-data:\/app\/data/);
    expect(compose).toMatch(/condition: service_healthy/);
  });

  it('holds no secret values: those come from .env', () => {
    expect(compose).not.toMatch(/(LASTFM_SHARED_SECRET|SESSION_SECRET|LASTFM_API_KEY):/);
  });

  it('runs the app in production whatever .env says: environment: wins over env_file', () => {
    expect(compose).toMatch(/^ {4}environment:\n(?: {6}#[^\n]*\n)* {6}NODE_ENV: production$/m);
  });

  it('believes X-Forwarded-For from one hop only (the proxy in front), not from every private address, which could then claim to be anyone', () => {
    expect(compose).toMatch(/^ {6}TRUST_PROXY: \$\{TRUST_PROXY:-1\}$/m);
    expect(compose).not.toMatch(/uniquelocal|linklocal/);
  });

  it('runs Redis so the outbox survives: AOF on, no eviction, and the app waits until it answers PING', () => {
    const redis = compose.slice(compose.indexOf('\n  redis:\n'));
    expect(redis).toMatch(/command: \["redis-server", "--appendonly", "yes", "--maxmemory-policy", "noeviction"\]/);
    expect(redis).toMatch(/healthcheck:\n {6}test: \["CMD", "redis-cli", "ping"\]/);
    expect(compose).toMatch(/depends_on:\n {6}redis:\n {8}condition: service_healthy/);
  });
});

describe('NODE_ENV in the documented Docker setup', () => {
  it('.env.example sets no NODE_ENV, so a copy of it cannot turn the image to development', () => {
    expect(read('.env.example')).not.toMatch(/^\s*NODE_ENV\s*=/m);
  });

  it("the README's docker run sets NODE_ENV=production after --env-file, so it wins over a line in .env", () => {
    const run = /docker run [^\n]*(?:\\\n[^\n]*)*/.exec(read('README.md'))?.[0] ?? '';
    expect(run).toMatch(/--env-file \.env[^\n]*-e NODE_ENV=production/);
  });
});
