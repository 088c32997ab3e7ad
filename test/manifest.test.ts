/**
 * manifest.json: valid against dbt's manifest v12 JSON schema (as the pinned dbt-core generates
 * it), and field by field the same as dbt-core's own manifest of each golden project, except the
 * known gaps in test/goldens/manifest-gaps.txt (tests' depends_on.macros against `dbt parse`'s
 * where the golden has them: parse-macros.json). Written through the same streaming writer that
 * `medallion parse`, `run` and `build` use.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import { analyzeProject, type Analysis } from '../server/src/core/analysis';
import type { Compiler } from '../server/src/core/compiler';
import { dbtChecksum, manifestChunks } from '../server/src/core/manifest';
import { createCompiler } from '../server/src/core/session';
import { NodeFileHost } from '../server/src/node/fs-host';
import { hostReader, manifestStateFields, stateView, YmlIndex } from '../server/src/core/state-view';
import { writeChunksAtomic, writeManifest } from '../server/src/runner/artifacts';
import { assertGolden, testPath } from './support/golden';
import { manifestDifferences } from './support/manifest-diff';
import { GOLDEN_INVOCATION_ID, GOLDEN_RUN_STARTED_AT, goldenClock, goldenProjects, PUBLIC_PROJECTS_DIR } from './support/parity';
import { tempProject } from './support/temp-project';
import type { FileHost } from '../server/src/core/host';

const publicProjects = PUBLIC_PROJECTS_DIR;
// The sample, xdb, the public projects from PyPI and every fixture under test/fixtures/parity/.
const projects = goldenProjects();

const schema = JSON.parse(readFileSync(testPath('goldens', 'dbt', 'manifest-v12.schema.json'), 'utf8')) as object;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);

/** Our manifest of a project, through writeManifest into a temp folder; `compiled`: every node dbt compiled, compiled here. */
function ourManifest(root: string, compiledIds: string[] | undefined): Record<string, unknown> {
  const host = new NodeFileHost();
  const clock = goldenClock();
  // As the CLI loads for parse (the writer reads the load's yml trees); the compile manifest reads each yml again.
  const analysis = analyzeProject(host, root, { clock, keepManifestInputs: compiledIds === undefined });
  const { compiler, resolved } = createCompiler(host, analysis, { env: { HOME: '/nonexistent' }, profilesDirs: [root], clock, invocationId: GOLDEN_INVOCATION_ID });
  let compiled: Map<string, string> | undefined;
  if (compiledIds) {
    compiled = new Map();
    for (const id of compiledIds) {
      if (!analysis.project.nodes.has(id)) continue;
      const result = compiler.compile(id);
      if (result.sql !== undefined) compiled.set(id, result.sql);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'medallion-manifest-'));
  try {
    const path = writeManifest(dir, { analysis, host, compiler, target: resolved.target, invocationId: GOLDEN_INVOCATION_ID, runStartedAt: GOLDEN_RUN_STARTED_AT, ...(compiled ? { compiled } : {}) });
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The core producer's pieces for a loaded project (relations named by identifier only). */
function coreManifestChunks(analysis: Analysis, host: NodeFileHost, compiler: Compiler): Generator<string> {
  return manifestChunks({
    analysis,
    host,
    relationOf: (node) => ({ database: null, schema: null, identifier: compiler.relation(node).identifier, rendered: null }),
    adapterType: 'duckdb',
    quoting: { database: true, schema: true, identifier: true, column: null },
    dbtVersion: '1.12.6',
    invocationId: GOLDEN_INVOCATION_ID,
    generatedAt: GOLDEN_RUN_STARTED_AT,
  });
}

/**
 * dbt's golden as `dbt parse` would have written it, where the golden has parse-macros.json: the
 * tests' depends_on.macros that parse records (compile's render adds the macros it calls at the
 * top level: get_where_subquery for dbt's own not_null/unique, a project's `ref` override).
 */
function dbtParse(dbt: Record<string, unknown>, golden: string): Record<string, unknown> {
  const path = testPath('goldens', 'dbt', golden, 'parse-macros.json');
  if (!existsSync(path)) return dbt;
  const macros = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string[]>;
  const nodes = { ...(dbt.nodes as Record<string, Record<string, unknown>>) };
  for (const [id, list] of Object.entries(macros)) {
    const node = nodes[id];
    if (node) nodes[id] = { ...node, depends_on: { ...(node.depends_on as Record<string, unknown>), macros: list } };
  }
  return { ...dbt, nodes };
}

/** JSON with every object's keys sorted: dbt's and our dicts compared whatever their key order. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/**
 * Every node's and source's `unrendered_config` (what state:modified.configs compares) against
 * dbt's, one line per entry that differs (manifest-diff.ts leaves unrendered_config out of the
 * general comparison).
 */
function unrenderedDifferences(ours: Record<string, unknown>, dbt: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ['nodes', 'sources'] as const) {
    const ourEntries = (ours[key] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [id, entry] of Object.entries((dbt[key] ?? {}) as Record<string, Record<string, unknown>>)) {
      const our = ourEntries[id];
      if (!our) continue;
      const [a, b] = [sortedJson(our.unrendered_config), sortedJson(entry.unrendered_config)];
      if (a !== b) out.push(`${key} ${id}.unrendered_config: ours ${a}, dbt ${b}`);
    }
  }
  return out;
}

function schemaErrors(manifest: unknown): string[] {
  if (validate(manifest)) return [];
  return (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

describe('manifest.json against dbt-core 1.12', () => {
  const lines: string[] = [];
  for (const [golden, root] of projects) {
    const goldenPath = testPath('goldens', 'dbt', golden, 'manifest.json');
    const available = existsSync(`${root}/dbt_project.yml`) && existsSync(goldenPath);
    it(golden, { skip: !available && !process.env.CI ? 'public projects not fetched' : false }, () => {
      const dbt = JSON.parse(readFileSync(goldenPath, 'utf8')) as Record<string, unknown>;
      const adapter = String((dbt.metadata as Record<string, unknown>).adapter_type);
      const internalPackages = ['dbt', `dbt_${adapter}`];
      // dbt's golden is from `dbt compile`: as parse, without its compiled fields; as compile, with ours.
      const parsed = ourManifest(root, undefined);
      assert.deepEqual(schemaErrors(parsed), [], 'parse manifest is not valid against dbt manifest v12');
      for (const d of manifestDifferences(parsed, dbtParse(dbt, golden), { parseOnly: true, internalPackages })) lines.push(`${golden} parse ${d}`);
      for (const d of unrenderedDifferences(parsed, dbt)) lines.push(`${golden} parse ${d}`);
      const compiledIds = Object.entries(dbt.nodes as Record<string, { compiled?: boolean }>).filter(([, n]) => n.compiled).map(([id]) => id);
      const compiled = ourManifest(root, compiledIds);
      assert.deepEqual(schemaErrors(compiled), [], 'compile manifest is not valid against dbt manifest v12');
      for (const d of manifestDifferences(compiled, dbt, { parseOnly: false, internalPackages })) {
        // Compile-only differences (parse differences are listed once, above).
        if (/\.(compiled|compiled_code|extra_ctes|extra_ctes_injected): /.test(d) || / (compiled|compiled_code|extra_ctes|extra_ctes_injected): (missing|not in)/.test(d)) lines.push(`${golden} compile ${d}`);
      }
    });
  }

  it('differences are exactly the known gaps', { skip: !existsSync(`${publicProjects}/sushi_test/dbt_project.yml`) && !process.env.CI ? 'needs all golden projects' : false }, () => {
    process.stdout.write(`# manifest: ${lines.length} field differences from dbt across ${projects.length} projects\n`);
    assertGolden(testPath('goldens', 'manifest-gaps.txt'), lines.sort().join('\n') + '\n');
  });
});

describe('manifest.json writer', () => {
  it('checksums a file as dbt does: sha256 of \' \'.join(text.split()) (seeded texts of every Python whitespace)', () => {
    // Python's str.isspace() characters, one at a time: the reference splits on each of them.
    const spaces = [...'\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2005\u200a\u2028\u2029\u202f\u205f\u3000'];
    const reference = (text: string): string => {
      const words: string[] = [];
      let word = '';
      for (const c of text) {
        if (spaces.includes(c)) {
          if (word) words.push(word);
          word = '';
        } else word += c;
      }
      if (word) words.push(word);
      return createHash('sha256').update(words.join(' '), 'utf8').digest('hex');
    };
    let seed = 11;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const alphabet = [...spaces, ' ', ' ', ' ', 'a', 'b', '{', '\u200b', 'é'];
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let n = next(40); n > 0; n--) text += alphabet[next(alphabet.length)];
      assert.equal(dbtChecksum(text).checksum, reference(text), JSON.stringify(text));
    }
  });

  it('streams a large project: no single string holds the document', () => {
    // 20k generated nodes' worth of chunks, through the atomic writer.
    const dir = mkdtempSync(join(tmpdir(), 'medallion-stream-'));
    try {
      let longest = 0;
      function* chunks(): Generator<string> {
        yield '{"nodes":{';
        for (let i = 0; i < 20000; i++) {
          const piece = `${i ? ',' : ''}"model.p.m${i}":${JSON.stringify({ name: `m${i}`, raw_code: 'x'.repeat(2000) })}`;
          longest = Math.max(longest, piece.length);
          yield piece;
        }
        yield '}}';
      }
      const path = join(dir, 'manifest.json');
      writeChunksAtomic(path, chunks());
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { nodes: Record<string, unknown> };
      assert.equal(Object.keys(parsed.nodes).length, 20000);
      assert.ok(longest < 4096, `a piece of ${longest} characters`);
      assert.ok(!existsSync(`${path}.${process.pid}.tmp`), 'the temp file is renamed away');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes exactly the pieces given: multi-byte text across buffer boundaries, pieces larger than the buffer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medallion-stream-'));
    try {
      // Seeded: 1- to 4-byte UTF-8 (é, €, 😀) in many small pieces (so some land at the 1 MiB buffer's end) and a few over 1 MiB.
      let seed = 7;
      const next = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        // The high bits: an LCG's low bits repeat with short periods.
        return Math.floor((seed / 2147483648) * n);
      };
      const alphabet = ['a', 'é', '€', '😀', '"', '\n'];
      const pieces: string[] = [];
      for (let i = 0; i < 60000; i++) {
        const length = i % 20011 === 0 ? (1 << 20) + next(2 << 20) : next(64);
        pieces.push(alphabet[next(alphabet.length)]!.repeat(length));
      }
      const path = join(dir, 'pieces.txt');
      writeChunksAtomic(path, pieces);
      assert.ok(readFileSync(path).equals(Buffer.from(pieces.join(''), 'utf8')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing producer leaves no file behind, and the previous manifest intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medallion-stream-'));
    try {
      const path = join(dir, 'manifest.json');
      writeChunksAtomic(path, ['{"ok":true}']);
      function* broken(): Generator<string> {
        yield '{"nodes":{';
        throw new Error('producer failed');
      }
      assert.throws(() => writeChunksAtomic(path, broken()), /producer failed/);
      assert.equal(readFileSync(path, 'utf8'), '{"ok":true}');
      assert.ok(!existsSync(`${path}.${process.pid}.tmp`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pieces of the core producer are one JSON document', () => {
    const host = new NodeFileHost();
    const root = testPath('fixtures', 'parity', 'artifacts');
    const analysis = analyzeProject(host, root);
    const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [root] });
    const pieces = [...coreManifestChunks(analysis, host, compiler)];
    const parsed = JSON.parse(pieces.join('')) as { nodes: object; macros: object };
    assert.ok(Object.keys(parsed.nodes).length > 10);
    assert.ok(Math.max(...pieces.map((p) => p.length)) < 200000);
  });

  it('gathers entries into pieces of about 64k characters: far fewer pieces than entries, none holding the document', () => {
    // 400 models with two tests each: ~2,000 entries over nodes, parent and child maps.
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) {
      files[`models/m${i}.sql`] = `select ${i} as id -- ${'x'.repeat(100)}`;
      files[`models/m${i}.yml`] = `version: 2\nmodels:\n  - name: m${i}\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n`;
    }
    const root = tempProject(files);
    try {
      const host = new NodeFileHost();
      const analysis = analyzeProject(host, root);
      const { compiler } = createCompiler(host, analysis, { env: {}, profilesDirs: [root] });
      const pieces = [...coreManifestChunks(analysis, host, compiler)];
      const document = pieces.join('');
      const parsed = JSON.parse(document) as { nodes: object; parent_map: object; child_map: object };
      const entries = Object.keys(parsed.nodes).length + Object.keys(parsed.parent_map).length + Object.keys(parsed.child_map).length;
      assert.equal(Object.keys(parsed.nodes).length, 1200);
      assert.ok(pieces.length < entries / 20, `${pieces.length} pieces for ${entries} entries`);
      const longest = Math.max(...pieces.map((p) => p.length));
      assert.ok(longest < (1 << 16) + 10000 && longest < document.length / 4, `a piece of ${longest} characters in ${document.length}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names a test that stores no failures without building its relation; one that stores them gets its relation_name', () => {
    const root = tempProject({
      'models/m.sql': 'select 1 as id',
      'models/m.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests:\n          - unique\n          - not_null:\n              config:\n                store_failures: true\n',
    });
    const dir = mkdtempSync(join(tmpdir(), 'medallion-manifest-'));
    try {
      const host = new NodeFileHost();
      const analysis = analyzeProject(host, root);
      const { compiler, resolved } = createCompiler(host, analysis, { env: {}, profilesDirs: [root] });
      const related: string[] = [];
      const counting = new Proxy(compiler, {
        get(target, key, receiver): unknown {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (key !== 'relation' || typeof value !== 'function') return value;
          return (node: { uniqueId: string }) => {
            related.push(node.uniqueId);
            return (value as (n: unknown) => unknown).call(target, node);
          };
        },
      });
      const path = writeManifest(dir, { analysis, host, compiler: counting, target: resolved.target, invocationId: 'x' });
      const nodes = (JSON.parse(readFileSync(path, 'utf8')) as { nodes: Record<string, { resource_type: string; name: string; database: string | null; schema: string | null; alias: string; relation_name: string | null }> }).nodes;
      const tests = Object.entries(nodes).filter(([, n]) => n.resource_type === 'test');
      const unique = tests.find(([, n]) => n.name.startsWith('unique_'))!;
      const notNull = tests.find(([, n]) => n.name.startsWith('not_null_'))!;
      assert.ok(!related.includes(unique[0]), 'no relation built for the test that stores no failures');
      assert.ok(related.includes(notNull[0]));
      // Its names are the relation's all the same.
      const relation = compiler.relation(analysis.project.nodes.get(unique[0])!);
      assert.deepEqual([unique[1].database, unique[1].schema, unique[1].alias, unique[1].relation_name], [relation.database, relation.schema, relation.identifier, null]);
      assert.ok(notNull[1].relation_name?.includes(notNull[1].alias), String(notNull[1].relation_name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('manifest.json state fields', () => {
  // The manifest computes each node's state fields alone (manifestStateFields); the state
  // comparison reads the whole project's view (stateView). Every field the manifest takes must be
  // the view's, on every golden project and fixture, so the two cannot drift apart.
  const fixtures = ['workflows', 'contracts', 'adapter_sql', 'broken', 'layers'].map((f): [string, string] => [f, testPath('fixtures', f)]);
  for (const [name, root] of [...projects, ...fixtures]) {
    it(name, { skip: !existsSync(`${root}/dbt_project.yml`) && !process.env.CI ? 'public projects not fetched' : false }, () => {
      const host = new NodeFileHost();
      const { project } = analyzeProject(host, root);
      const read = hostReader(host, project.root);
      const view = stateView(project, read);
      const yml = new YmlIndex(project);
      let compared = 0;
      for (const node of project.nodes.values()) {
        const fields = manifestStateFields(project, node, read, yml);
        const whole = view.nodes.get(node.uniqueId)!;
        for (const [key, value] of Object.entries(fields)) {
          assert.ok(key in whole, `${node.uniqueId}: ${key} is not a state field`);
          assert.deepEqual(value, whole[key], `${node.uniqueId}: ${key}`);
          compared++;
        }
      }
      assert.ok(compared >= project.nodes.size, `${compared} fields of ${project.nodes.size} nodes`);
    });
  }
});

describe('manifest.json from what the load kept', () => {
  // The CLI keeps the load's parsed properties yml and seed texts for the writer (keepManifestInputs):
  // its text must be exactly the text written from each file read and parsed again.
  const fixtures = ['workflows', 'contracts', 'adapter_sql', 'broken', 'layers'].map((f): [string, string] => [f, testPath('fixtures', f)]);
  for (const [name, root] of [...projects, ...fixtures]) {
    it(name, { skip: !existsSync(`${root}/dbt_project.yml`) && !process.env.CI ? 'public projects not fetched' : false }, () => {
      const host = new NodeFileHost();
      const text = (keepManifestInputs: boolean): string => {
        const clock = goldenClock();
        const analysis = analyzeProject(host, root, { clock, keepManifestInputs });
        const { compiler } = createCompiler(host, analysis, { env: { HOME: '/nonexistent' }, profilesDirs: [root], clock });
        return [...coreManifestChunks(analysis, host, compiler)].join('');
      };
      const kept = text(true);
      assert.ok(kept.length > 1000);
      assert.equal(kept, text(false));
    });
  }
});

describe('manifest.json: columns written as text', () => {
  // A node's columns dict is written as text (core/manifest.ts columnsText): its bytes must be what
  // JSON.stringify writes of the dict built by name, which orders array-index keys first and keeps a
  // repeated name at its first place with its last entry.
  const root = tempProject({
    'models/a.sql': 'select 1 as b',
    'models/old/a.sql': "{{ config(enabled=false) }}\nselect 2 as b",
    'models/c.sql': 'select 1 as x',
    'models/schema.yml': [
      'models:',
      '  - name: a',
      '    columns:',
      '      - name: b',
      '        description: first b',
      '      - name: "1"',
      '        description: "a \\"quoted\\" \\u00e9 \\u2028 \\t tab"',
      '        meta: {owner: x}',
      '        tags: [t1]',
      '      - name: b',
      '        description: last b',
      '        data_type: int',
      '        constraints: [{type: not_null}]',
      '  - name: c',
      '    columns:',
      '      - name: x',
      '        description: "{{ doc(\'x_doc\') }}"',
      '        constraints: [{type: check, expression: "x > 0"}]',
      '      - name: "y\\u0001"',
      '',
    ].join('\n'),
    'models/docs.md': '{% docs x_doc %}The x.{% enddocs %}',
  });
  const host = new NodeFileHost();
  const clock = goldenClock();
  const analysis = analyzeProject(host, root, { clock, keepManifestInputs: true });
  const { compiler } = createCompiler(host, analysis, { env: { HOME: '/nonexistent' }, profilesDirs: [root], clock });
  const text = [...coreManifestChunks(analysis, host, compiler)].join('');
  const manifest = JSON.parse(text) as { nodes: Record<string, { columns: Record<string, Record<string, unknown>> }>; disabled: Record<string, Array<{ columns: Record<string, Record<string, unknown>> }>> };

  it('is the text JSON.stringify writes of what it parses to (key order and escapes)', () => {
    assert.equal(JSON.stringify(JSON.parse(text)), text);
  });

  it('orders an array-index name first and keeps a repeated name at its first place with its last entry', () => {
    const columns = manifest.nodes['model.p.a']!.columns;
    assert.deepEqual(Object.keys(columns), ['1', 'b']);
    assert.equal(columns.b!.description, 'last b');
    assert.equal(columns.b!.data_type, 'int');
    assert.deepEqual(columns['1']!.config, { meta: { owner: 'x' }, tags: ['t1'] });
    const c = manifest.nodes['model.p.c']!.columns;
    assert.deepEqual(Object.keys(c), ['x', 'y\u0001']);
    assert.equal(c.x!.description, 'The x.');
    assert.deepEqual(c.x!.doc_blocks, ['doc.p.x_doc']);
    assert.deepEqual((c.x!.constraints as Array<Record<string, unknown>>).map((k) => k.expression), ['x > 0']);
  });
});

describe('manifest.json: seeds over dbt\'s checksum limit (1 MiB)', () => {
  // The load decodes only the header of a seed whose text is over the limit (loader/seeds.ts); the
  // manifest is exactly the one of a load that reads every seed as text (a host without readBytes).
  const row = (i: number): string => `${i},caf\u00e9 ${i},${'x'.repeat(40)}`;
  const rows = (n: number, eol: string): string => ['id,name,pad', ...Array.from({ length: n }, (_, i) => row(i))].join(eol) + eol;
  const MiB = 1024 * 1024;
  const lf = rows(Math.ceil(MiB / 50), '\n');
  // Over 1 MiB as bytes, within it once each CRLF reads as LF: checksummed by its text, as before.
  let crlf = rows(Math.ceil(MiB / 52), '\r\n');
  while (Buffer.byteLength(crlf) - (crlf.match(/\r\n/g) ?? []).length > MiB) crlf = crlf.slice(0, crlf.lastIndexOf('\r\n', crlf.length - 3) + 2);
  const root = tempProject({
    'seeds/big.csv': lf,
    'seeds/big_crlf.csv': crlf,
    'seeds/big_binary.csv': `id,name\n1,\u0000\n${lf}`,
    'seeds/small.csv': 'id,name\n1,a\n',
    'models/m.sql': "select * from {{ ref('big') }}",
  });
  const manifest = (host: FileHost, keepManifestInputs: boolean): { text: string; analysis: Analysis } => {
    const clock = goldenClock();
    const analysis = analyzeProject(host, root, { clock, keepManifestInputs });
    const { compiler } = createCompiler(host, analysis, { env: { HOME: '/nonexistent' }, profilesDirs: [root], clock });
    return { text: [...coreManifestChunks(analysis, host as NodeFileHost, compiler)].join(''), analysis };
  };
  const fsHost = new NodeFileHost();
  const read: string[] = [];
  const counting: FileHost = { ...fsHost, read: (path) => (read.push(path), fsHost.read(path)), list: (dir) => fsHost.list(dir), readBytes: (path) => fsHost.readBytes(path) };
  const textOnly: FileHost = { read: (path) => fsHost.read(path), list: (dir) => fsHost.list(dir) };

  it('the same manifest and diagnostics as from every seed read as text, without reading the large one as text', () => {
    assert.ok(Buffer.byteLength(crlf) > MiB, 'the CRLF seed is over the limit as bytes');
    const fast = manifest(counting, true);
    const plain = manifest(textOnly, false);
    assert.equal(fast.text, plain.text);
    assert.deepEqual(fast.analysis.project.diagnostics, plain.analysis.project.diagnostics);
    assert.ok(!read.some((p) => p.endsWith('/big.csv')), 'big.csv read as text');
    assert.ok(read.some((p) => p.endsWith('/big_crlf.csv')) && read.some((p) => p.endsWith('/big_binary.csv')));
    const nodes = (JSON.parse(fast.text) as { nodes: Record<string, { checksum: { name: string }; config: unknown }> }).nodes;
    assert.deepEqual(nodes['seed.p.big']!.checksum, { name: 'path', checksum: 'seeds/big.csv' });
    assert.equal(nodes['seed.p.big_crlf']!.checksum.name, 'sha256');
    assert.equal(nodes['seed.p.small']!.checksum.name, 'sha256');
    assert.deepEqual(fast.analysis.project.nodes.get('seed.p.big')!.seedColumns, ['id', 'name', 'pad']);
    assert.ok(fast.analysis.project.diagnostics.some((d) => d.code === 'binary-file' && d.file === 'seeds/big_binary.csv'));
  });
});
