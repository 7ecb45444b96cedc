import { validate } from 'dockerfile-utils';
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';

// The supported runtime (issue: Node 20 reached end of life on 2026-04-30). The project brings its own Node.js LTS
// (26, the active LTS line) through the npm registry's `node` package, so every npm script runs on it even where the
// system Node is older. 24 is the oldest line it is measured on (engines).
const ROOT = join(__dirname, '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');
const major = (v: string) => Number(/(\d+)/.exec(v)?.[1]);
const pkg = JSON.parse(read('package.json')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};
const LTS = 26; // what the project ships and the image runs
const OLDEST = 24; // engines: the oldest LTS line the suite was measured on

describe('runtime', () => {
  it('runs the tests on a supported LTS line, not the system Node 20', () => {
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(OLDEST);
    expect(major(process.versions.node) % 2).toBe(0); // LTS lines are the even majors
  });

  it('states the same runtime everywhere: engines, .nvmrc, the node package and its approved install script', () => {
    expect(pkg.engines.node).toMatch(new RegExp(`^>=${OLDEST}\\.`));
    expect(major(read('.nvmrc').trim())).toBe(LTS);
    expect(major(pkg.devDependencies.node)).toBe(LTS);
    // npm 11 runs the package's preinstall (which places the binary) only when it is approved.
    expect(pkg.allowScripts?.node).toBe(true);
    expect(major(pkg.devDependencies['@types/node'])).toBe(LTS);
  });
});

describe('the bidder CLI', () => {
  // A bidder may start bin/bid-seal.js with whatever `node` its machine has; an end-of-life one hands over to ours.
  const systemNodes = ['/usr/bin/node', '/usr/local/bin/node'].filter((p) => existsSync(p));
  it.each(systemNodes.length ? systemNodes : [process.execPath])('started by %s, runs on the supported runtime', (nodeBin) => {
    const out = execFileSync(nodeBin, [join(ROOT, 'bin', 'bid-seal.js'), '--version'], { encoding: 'utf8' });
    const ran = /\(Node\.js (\d+)\./.exec(out)?.[1];
    expect(Number(ran)).toBeGreaterThanOrEqual(OLDEST);
  });
});

describe('production image', () => {
  const dockerfile = read('Dockerfile');

  it('lints clean (dockerfile-utils, every check at its default severity)', () => {
    expect(validate(dockerfile, {})).toEqual([]);
  });

  it('the linter is not blind: it reports a broken Dockerfile', () => {
    expect(validate('FROM\nEXPOSE port\nCMD ["a", "b"\n', {}).length).toBeGreaterThan(0);
  });

  it('builds on the official slim image of the same LTS line and runs as an unprivileged user', () => {
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${LTS}-slim$`, 'm'));
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\}/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production/m);
  });

  it('every entry point the image and compose start is compiled by the production build', () => {
    const build = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { command?: string[]; build?: { dockerfile: string }; image?: string }>;
    };
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    const commands = [JSON.parse(cmd ?? '[]') as string[]];
    for (const name of ['migrate', 'api', 'worker']) {
      const s = compose.services[name];
      expect(s?.image).toBe('ebidding-platform:latest');
      commands.push(s.command ?? []);
    }
    expect(compose.services.migrate.build?.dockerfile).toBe('Dockerfile');
    const entries = commands.map((c) => c[c.length - 1]);
    expect(entries.sort()).toEqual(['dist/scripts/prepare-db.js', 'dist/src/main.api.js', 'dist/src/main.api.js', 'dist/src/main.worker.js'].sort());
    for (const entry of entries) {
      const source = entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(join(ROOT, source))).toBe(true);
      const included = build.include.some((g) => g === source || (g.endsWith('/**/*.ts') && source.startsWith(g.slice(0, -'**/*.ts'.length))));
      expect(included).toBe(true);
    }
  });
});
