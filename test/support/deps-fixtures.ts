/**
 * Package sources for `deps` tests and their dbt goldens (scripts/dbt_goldens/deps-goldens.mjs):
 * a dbt package hub on loopback in the hub's real format (api/v1/index.json, api/v1/<ns>/<name>.json
 * with versions → {id, name, version, packages, works_with, _source, downloads: {tarball, format,
 * sha1}}) whose tarballs are built from test/fixtures/deps/hub-packages like GitHub's (one top folder
 * `<name>-<version>/`), and a bare git repository on disk with reproducible commits.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

export const DEPS_FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'deps');

interface HubSpec {
  versions: string[];
  /** Versions published only after `publishLater()`. */
  later?: string[];
  packages?: Record<string, unknown[]>;
  require_dbt_version?: Record<string, string[]>;
  /** The fixture folder the tarballs come from (default: the package's name). */
  source?: string;
}

/** A minimal ustar writer (regular files and folders). */
export function tarGz(entries: Array<{ name: string; data?: Buffer }>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const header = Buffer.alloc(512);
    const isDir = e.data === undefined;
    const name = isDir && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    header.write(name, 0, 100, 'utf8');
    header.write(isDir ? '0000755\0' : '0000644\0', 100, 8, 'ascii');
    header.write('0000000\0', 108, 8, 'ascii');
    header.write('0000000\0', 116, 8, 'ascii');
    header.write(`${(e.data?.length ?? 0).toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
    header.write('14000000000\0', 136, 12, 'ascii');
    header.write('        ', 148, 8, 'ascii');
    header.write(isDir ? '5' : '0', 156, 1, 'ascii');
    header.write('ustar\0', 257, 6, 'ascii');
    header.write('00', 263, 2, 'ascii');
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
    blocks.push(header);
    if (e.data) {
      blocks.push(e.data);
      const pad = (512 - (e.data.length % 512)) % 512;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function filesUnder(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (lstatSync(full).isDirectory()) out.push(...filesUnder(full, base));
    else out.push(relative(base, full));
  }
  return out;
}

function packageTarball(source: string, name: string, version: string): Buffer {
  const dir = join(DEPS_FIXTURES, 'hub-packages', source);
  const top = `${name}-${version}`;
  const entries: Array<{ name: string; data?: Buffer }> = [{ name: top }];
  const dirs = new Set<string>();
  for (const file of filesUnder(dir)) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ name: `${top}/${d}` });
      }
    }
    const text = readFileSync(join(dir, file), 'utf8').replaceAll('{{version}}', version).replaceAll(source, name);
    entries.push({ name: `${top}/${file}`, data: Buffer.from(text) });
  }
  return tarGz(entries);
}

export interface FixtureHub {
  url: string;
  /** Publishes the `later` versions (a new release appears on the hub). */
  publishLater(): void;
  /** Requests served, e.g. `/api/v1/index.json`. */
  requests: string[];
  close(): Promise<void>;
}

export async function startFixtureHub(): Promise<FixtureHub> {
  const specs = JSON.parse(readFileSync(join(DEPS_FIXTURES, 'hub.json'), 'utf8')) as Record<string, HubSpec>;
  let published = new Map(Object.entries(specs).map(([id, s]) => [id, [...s.versions]]));
  const requests: string[] = [];
  const tarballs = new Map<string, Buffer>();
  let base = '';
  const tarball = (id: string, version: string): Buffer => {
    const key = `${id}@${version}`;
    if (!tarballs.has(key)) tarballs.set(key, packageTarball(specs[id]!.source ?? id.split('/')[1]!, id.split('/')[1]!, version));
    return tarballs.get(key)!;
  };
  const packageJson = (id: string): object => {
    const [namespace, name] = id.split('/') as [string, string];
    const spec = specs[id]!;
    const versions = published.get(id)!;
    const entries = versions.map((v) => {
      const body = tarball(id, v);
      const entry: Record<string, unknown> = {
        id: `${id}/${v}`,
        name,
        version: v,
        published_at: '2024-01-01T00:00:00.000000+00:00',
        packages: spec.packages?.[v] ?? [],
        works_with: [],
        _source: { type: 'github', url: `https://github.com/${id}/tree/${v}/`, readme: `https://raw.githubusercontent.com/${id}/${v}/README.md` },
        downloads: { tarball: `${base}tarballs/${id}/${v}.tar.gz`, format: 'tgz', sha1: createHash('sha1').update(body).digest('hex') },
      };
      if (spec.require_dbt_version?.[v]) entry.require_dbt_version = spec.require_dbt_version[v];
      return [v, entry];
    });
    return { name, namespace, description: `${name} (test fixture)`, latest: versions[versions.length - 1], assets: {}, versions: Object.fromEntries(entries) };
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(path);
    const send = (status: number, body: Buffer | string, type: string): void => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (path === '/api/v1/index.json') return send(200, JSON.stringify([...published.keys()]), 'application/json');
    const pkg = /^\/api\/v1\/([^/]+\/[^/]+)\.json$/.exec(path);
    if (pkg && published.has(pkg[1]!)) return send(200, JSON.stringify(packageJson(pkg[1]!)), 'application/json');
    const tar = /^\/tarballs\/([^/]+\/[^/]+)\/([^/]+)\.tar\.gz$/.exec(path);
    if (tar && published.get(tar[1]!)?.includes(tar[2]!)) return send(200, tarball(tar[1]!, tar[2]!), 'application/gzip');
    return send(404, 'not found', 'text/plain');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}/`;
  return {
    url: base,
    requests,
    publishLater() {
      published = new Map([...published].map(([id, versions]) => [id, [...versions, ...(specs[id]!.later ?? [])]]));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Medallion Tests',
  GIT_AUTHOR_EMAIL: 'tests@medallion.invalid',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Medallion Tests',
  GIT_COMMITTER_EMAIL: 'tests@medallion.invalid',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

/**
 * `<dir>/git_pkg.git`: a bare repository of test/fixtures/deps/git_pkg (a package at the root and
 * another in sub_pkg/) with two reproducible commits: the first tagged v1.0.0, the second (main)
 * changing both packages' macros from v1 to v2. Returns the folder holding it.
 */
export function createGitFixture(dir = mkdtempSync(join(tmpdir(), 'medallion-git-'))): string {
  const work = join(dir, 'work');
  cpSync(join(DEPS_FIXTURES, 'git_pkg'), work, { recursive: true });
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', '-c', 'tag.gpgsign=false', ...args], { cwd: work, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'v1');
  git('tag', 'v1.0.0');
  for (const file of ['macros/hello.sql', 'sub_pkg/macros/hello.sql']) writeFileSync(join(work, file), readFileSync(join(work, file), 'utf8').replace('v1', 'v2'));
  git('commit', '-q', '-am', 'v2');
  execFileSync('git', ['clone', '-q', '--bare', work, join(dir, 'git_pkg.git')], { env: { ...process.env, ...GIT_ENV } });
  return dir;
}

/**
 * dbt_packages/ as comparable text: one line per entry, sorted, with a content digest per file; a
 * symlink shows its target with `root` replaced by <ROOT>; a git checkout's .git/ is listed as one
 * line (its insides differ run to run).
 */
export function describeTree(dir: string, root: string): string {
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const rel = relative(dir, full);
      const st = lstatSync(full);
      if (st.isSymbolicLink()) lines.push(`${rel} -> ${readlinkSync(full).replace(root, '<ROOT>')}`);
      else if (st.isDirectory()) {
        lines.push(`${rel}/`);
        if (name !== '.git') walk(full);
      } else lines.push(`${rel}  ${createHash('sha1').update(readFileSync(full)).digest('hex').slice(0, 12)}`);
    }
  };
  walk(dir);
  return lines.join('\n') + '\n';
}

/** The scenarios both dbt and medallion run: a project folder with packages.yml next to the fixtures. */
export const DEPS_SCENARIOS: Record<string, string> = {
  // Hub ranges intersected across packages (pkg_b 1.2.0 needs pkg_a >=1.2.0,<1.3.0), a prerelease
  // left out, a local package, a git tag and a git branch in a subdirectory.
  full: `packages:
  - package: medallion-test/pkg_a
    version: [">=1.0.0", "<2.0.0"]
  - package: medallion-test/pkg_b
    version: ">=1.1.0"
  - local: ../local_pkg
  - git: "file://{{ env_var('MEDALLION_TEST_GIT') }}/git_pkg.git"
    revision: v1.0.0
  - git: "file://{{ env_var('MEDALLION_TEST_GIT') }}/git_pkg.git"
    revision: main
    subdirectory: sub_pkg
`,
  // install_prerelease lets a prerelease win; require-dbt-version rules out pkg_old 0.6.0.
  prerelease: `packages:
  - package: medallion-test/pkg_c
    version: ">=0.1.0"
    install_prerelease: true
  - package: medallion-test/pkg_old
    version: ">=0.5.0"
`,
};

/** Writes a scenario's project under `parent` (with local_pkg beside it) and returns its folder. */
export function writeScenario(parent: string, scenario: string): string {
  const project = join(parent, scenario);
  mkdirSync(project, { recursive: true });
  cpSync(join(DEPS_FIXTURES, 'local_pkg'), join(parent, 'local_pkg'), { recursive: true });
  writeFileSync(join(project, 'dbt_project.yml'), `name: deps_${scenario}\nversion: "1.0.0"\nconfig-version: 2\nprofile: deps\n`);
  writeFileSync(join(project, 'packages.yml'), DEPS_SCENARIOS[scenario]!);
  writeFileSync(join(project, 'profiles.yml'), 'deps:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ":memory:"\n');
  return project;
}
