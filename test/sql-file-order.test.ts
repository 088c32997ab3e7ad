/**
 * The loader reads a folder's SQL files, then scans each and builds its node (or macros) before
 * scanning the next (loader/sql-files.ts). What reading and scanning report still comes first,
 * file by file, then what building the nodes reports: the order of a load that read and scanned
 * the whole folder before using any file. Cases: files, then the load's diagnostics as `code file`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryHost } from '../server/src/core/host';
import { loadProject } from '../server/src/core/loader';

const PROJECT = { 'dbt_project.yml': 'name: p\nconfig-version: 2\n' };

const cases: Array<{ name: string; files: Record<string, string>; diagnostics: string[] }> = [
  {
    name: "a model's duplicate comes after a later file's scan problem",
    files: {
      'models/x/dup.sql': 'select 1',
      'models/y/dup.sql': 'select 2',
      'models/y/zz.sql': '{% macro q() %}select 1',
    },
    diagnostics: ['jinja-syntax models/y/zz.sql', 'duplicate-name models/y/dup.sql'],
  },
  {
    name: "a macro's duplicate comes after a later macro file's scan problem",
    files: {
      'macros/a.sql': '{% macro mm() %}{% endmacro %}',
      'macros/b.sql': '{% macro mm() %}{% endmacro %}',
      'macros/c.sql': '{% macro bad( %}',
    },
    diagnostics: ['jinja-syntax macros/c.sql', 'duplicate-name macros/b.sql'],
  },
  {
    name: 'render problems in file order, after the scan problems of the folder',
    files: {
      'models/a.sql': "{% set x = 1 %}{{ x.nope() }}",
      'models/b.sql': '{% if true %}select 1',
      'models/c.sql': '{% macro q() %}select 1',
      'models/d.sql': "{% set y = 2 %}{{ y.nope() }}",
    },
    diagnostics: ['jinja-syntax models/c.sql', 'jinja-render models/a.sql', 'jinja-syntax models/b.sql', 'jinja-render models/d.sql'],
  },
  {
    name: 'a folder without problems reports nothing',
    files: { 'models/a.sql': 'select 1', 'models/b.sql': "select * from {{ ref('a') }}" },
    diagnostics: [],
  },
];

describe('SQL files read one at a time report in folder order', () => {
  for (const c of cases) {
    it(c.name, () => {
      const project = loadProject(new MemoryHost({ ...PROJECT, ...c.files }, '/p'), '/p');
      assert.deepEqual(
        project.diagnostics.map((d) => `${d.code} ${d.file}`),
        c.diagnostics,
      );
      // Every model file became its node (a duplicate name, one): none is skipped.
      const names = new Set(Object.keys(c.files).filter((f) => f.startsWith('models/')).map((f) => f.slice(f.lastIndexOf('/') + 1, -'.sql'.length)));
      assert.deepEqual(new Set([...project.nodes.values()].filter((n) => n.resourceType === 'model').map((n) => n.name)), names);
    });
  }
});
