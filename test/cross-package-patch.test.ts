/**
 * A properties yml describing a node of another package, where dbt stops or warns (parse_patch:
 * the yml's own package, then any package, then the yml package's disabled nodes). The patches dbt
 * applies are checked against its manifest (test/fixtures/parity/cross_package_patch); these are
 * the cases where dbt refuses the project or the entry, which a golden project cannot hold.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { NodeFileHost } from '../server/src/node/fs-host';
import { tempProject } from './support/temp-project';

const ROOT = 'name: p\nprofile: p\nconfig-version: 2\n';
const pkg = (name: string): Record<string, string> => ({ [`dbt_packages/${name}/dbt_project.yml`]: `name: ${name}\nconfig-version: 2\n` });

interface Case {
  name: string;
  files: Record<string, string>;
  /** Diagnostics of the yml entries: `file severity code`. */
  diagnostics: string[];
  /** Description of each node afterwards, by unique id ('' = none). */
  descriptions: Record<string, string>;
}

const cases: Case[] = [
  {
    name: 'a name two other packages define: dbt cannot tell which (AmbiguousResourceNameRefError)',
    files: {
      'packages.yml': 'packages:\n  - local: dbt_packages/a\n  - local: dbt_packages/b\n',
      ...pkg('a'),
      ...pkg('b'),
      'dbt_packages/a/models/shared.sql': 'select 1 as id',
      'dbt_packages/b/models/shared.sql': 'select 1 as id',
      'models/props.yml': 'version: 2\nmodels:\n  - name: shared\n    description: which one?\n',
    },
    diagnostics: ['models/props.yml error duplicate-name'],
    descriptions: { 'model.a.shared': '', 'model.b.shared': '' },
  },
  {
    name: "another package's model described under seeds: (WrongResourceSchemaFile)",
    files: {
      'packages.yml': 'packages:\n  - local: dbt_packages/a\n',
      ...pkg('a'),
      'dbt_packages/a/models/pkg_model.sql': 'select 1 as id',
      'models/props.yml': 'version: 2\nseeds:\n  - name: pkg_model\n    description: not a seed\n',
    },
    diagnostics: ['models/props.yml warning yaml-schema'],
    descriptions: { 'model.a.pkg_model': '' },
  },
  {
    name: "the root's and a package's yml both describe the root's model: the root's is read first, the second is dbt's DuplicatePatchPathError",
    files: {
      'packages.yml': 'packages:\n  - local: dbt_packages/a\n',
      ...pkg('a'),
      'models/m.sql': 'select 1 as id',
      'models/props.yml': 'version: 2\nmodels:\n  - name: m\n    description: from the root\n',
      'dbt_packages/a/models/props.yml': 'version: 2\nmodels:\n  - name: m\n    description: from the package\n',
    },
    diagnostics: ['dbt_packages/a/models/props.yml error duplicate-name'],
    descriptions: { 'model.p.m': 'from the root' },
  },
  {
    name: "a package's yml names its own disabled model and the root's enabled one: the enabled one of any package comes first",
    files: {
      'dbt_project.yml': `${ROOT}models:\n  a:\n    m:\n      +enabled: false\n`,
      'packages.yml': 'packages:\n  - local: dbt_packages/a\n',
      ...pkg('a'),
      'models/m.sql': 'select 1 as id',
      'dbt_packages/a/models/m.sql': 'select 1 as id',
      'dbt_packages/a/models/props.yml': 'version: 2\nmodels:\n  - name: m\n    description: from the package\n',
    },
    diagnostics: [],
    descriptions: { 'model.p.m': 'from the package' },
  },
];

describe('a yml describing a node of another package, as dbt parse_patch', () => {
  for (const c of cases) {
    it(c.name, () => {
      const root = tempProject({ 'dbt_project.yml': ROOT, ...c.files });
      try {
        const { project } = analyzeProject(new NodeFileHost(), root);
        const diagnostics = project.diagnostics.filter((d) => /props\.yml$/.test(d.file)).map((d) => `${d.file} ${d.severity} ${d.code}`);
        assert.deepEqual(diagnostics, c.diagnostics, project.diagnostics.map((d) => d.message).join('\n'));
        for (const [id, description] of Object.entries(c.descriptions)) {
          const node = project.nodes.get(id);
          assert.ok(node, `${id} is loaded`);
          assert.equal(node.description ?? '', description, id);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
