/**
 * Completion where a user types, at the core boundary: each case is a file of a small project
 * with an installed package, a versioned model, a disabled model, scoped vars and dispatched
 * macros; the text typed, and the labels expected (in the editor's order: sortText, else label)
 * or the labels that must (not) be offered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { MemoryHost } from '../server/src/core/host';
import { completionsAt, ymlCompletions, type CompletionItem } from '../server/src/core/ide';

const FILES: Record<string, string> = {
  'dbt_project.yml': 'name: shop\nconfig-version: 2\nvars:\n  start_date: "2020-01-01"\n  pkg:\n    pkg_window: 7\n  other_pkg:\n    hidden_var: 1\n',
  'packages.yml': 'packages:\n  - local: ../pkg\n',
  'models/orders.sql': 'select 1 as id, 2 as amount',
  'models/customers.sql': 'select 1 as id',
  'models/old_thing.sql': "{{ config(enabled=false) }}\nselect 1 as id",
  'models/dim_user_v1.sql': 'select 1 as id',
  'models/dim_user_v2.sql': 'select 1 as id, 2 as name',
  'models/schema.yml': 'version: 2\nmodels:\n  - name: dim_user\n    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n  - name: orders\n    columns:\n      - name: id\n      - name: \n',
  'models/typing.sql': '',
  'macros/cents.sql': '{% macro cents(column) %}{{ column }} * 100{% endmacro %}\n{% macro _helper() %}1{% endmacro %}',
  'macros/dispatch.sql': "{% macro money(x) %}{{ adapter.dispatch('money')(x) }}{% endmacro %}\n{% macro default__money(x) %}{{ x }}{% endmacro %}\n{% macro duckdb__money(x) %}{{ x }}{% endmacro %}\n{% macro trino__get_grant_sql(x) %}{{ x }}{% endmacro %}",
  'dbt_packages/pkg/dbt_project.yml': 'name: pkg\nconfig-version: 2\nvars:\n  pkg_own: 1\n',
  'dbt_packages/pkg/models/pkg_events.sql': 'select 1 as id',
  'dbt_packages/pkg/models/customers.sql': 'select 1 as id',
  'dbt_packages/pkg/macros/star.sql': "{% macro star(from) %}*{% endmacro %}\n{% macro default__star(from) %}*{% endmacro %}\n{% macro cents(c) %}{{ c }}{% endmacro %}",
};

const analysis = analyzeProject(new MemoryHost(FILES, '/p'), '/p');

/** Completion with `typed` as the whole text of `file`, the cursor at its end. */
function complete(typed: string, file = 'models/typing.sql'): CompletionItem[] {
  return completionsAt(analysis, typed, typed.length, file);
}

const ordered = (items: CompletionItem[]): string[] => [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label)).map((i) => i.label);

describe('completion where a user types (core)', () => {
  const cases: Array<{ name: string; typed: string; file?: string; expect?: string[]; includes?: string[]; excludes?: string[]; check?: (items: CompletionItem[]) => void }> = [
    {
      name: "ref(': the root's nodes first (one item per name, the root's customers), then a package's, then packages to qualify with",
      typed: "select * from {{ ref('",
      expect: ['customers', 'dim_user', 'orders', 'typing', 'pkg_events', 'pkg'],
      check: (items) => {
        assert.match(items.find((i) => i.label === 'pkg_events')!.detail!, /package pkg/);
        assert.match(items.find((i) => i.label === 'customers')!.detail!, /also in pkg/);
        assert.match(items.find((i) => i.label === 'dim_user')!.detail!, /versions v1, v2 \(latest v2/);
        assert.equal(items.find((i) => i.label === 'pkg')!.kind, 'package');
      },
    },
    { name: "ref(': a disabled model is not offered (ref() to it fails)", typed: "{{ ref('", excludes: ['old_thing', 'dim_user_v1', 'dim_user_v2'] },
    { name: "ref('pkg', ': only that package's nodes", typed: "{{ ref('pkg', '", expect: ['customers', 'pkg_events'], check: (items) => assert.ok(items.every((i) => /package pkg/.test(i.detail!))) },
    { name: "ref('shop', ': the root's own", typed: "{{ ref('shop', '", expect: ['customers', 'dim_user', 'orders', 'typing'] },
    // dbt: every key is global (a dict under a name that is no package's is a dict var); a package's name scopes its dict.
    { name: "var(': global vars and those scoped to this file's package", typed: "{% if var('", expect: ['other_pkg', 'start_date'], excludes: ['pkg', 'pkg_window', 'hidden_var', 'pkg_own'] },
    { name: "var(' in a package's file: the root's scoped ones and the package's own", typed: "{{ var('", file: 'dbt_packages/pkg/models/pkg_events.sql', expect: ['other_pkg', 'pkg_own', 'pkg_window', 'start_date'] },
    {
      name: "{{ : macros callable without a namespace (the root's), no dispatch implementations, helpers last, packages as namespaces",
      typed: 'select {{ ',
      expect: ['cents', 'money', '_helper', 'pkg'],
      check: (items) => {
        assert.match(items.find((i) => i.label === 'cents')!.documentation!, /^shop/);
        assert.equal(items.find((i) => i.label === 'pkg')!.insertText, 'pkg.');
      },
    },
    { name: "pkg.: that package's macros only, no dispatch implementations", typed: 'select {{ pkg.', expect: ['cents', 'star'], check: (items) => assert.ok(items.every((i) => i.documentation!.startsWith('pkg'))) },
    { name: "pkg.st: that package's macros while typing a name", typed: 'select {{ pkg.st', includes: ['star'] },
    { name: "source(' with no sources: nothing", typed: "{{ source('", expect: [] },
    { name: 'config( keys', typed: '{{ config(', includes: ['materialized', 'unique_key'] },
    { name: 'config(materialized= values', typed: "{{ config(materialized='", expect: ['ephemeral', 'incremental', 'materialized_view', 'table', 'view'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const items = complete(c.typed, c.file);
      const labels = ordered(items);
      if (c.expect) assert.deepEqual(labels, c.expect);
      for (const l of c.includes ?? []) assert.ok(labels.includes(l), `${l} missing from ${labels.join(', ')}`);
      for (const l of c.excludes ?? []) assert.ok(!labels.includes(l), `${l} offered: ${labels.join(', ')}`);
      c.check?.(items);
    });
  }
});

describe('completion in a properties yml (core)', () => {
  const yml = FILES['models/schema.yml']!;
  it("a model's name under models: this package's models, those not yet named here first", () => {
    const text = yml.replace('  - name: orders\n', '  - name: \n');
    const at = text.indexOf('  - name: \n') + '  - name: '.length;
    assert.deepEqual(ordered(completionsAt(analysis, text, at, 'models/schema.yml')), ['customers', 'old_thing', 'orders', 'typing', 'dim_user']);
  });
  it("a column's name under a model's columns: the model's output columns the yml does not name yet", () => {
    const at = yml.lastIndexOf('- name: ') + '- name: '.length;
    const outputs = (n: { name: string }): string[] | undefined => (n.name === 'orders' ? ['id', 'amount'] : undefined);
    assert.deepEqual(ordered(ymlCompletions(analysis, yml, at, 'models/schema.yml', outputs)), ['amount']);
    // Without the column model nothing is guessed.
    assert.deepEqual(completionsAt(analysis, yml, at, 'models/schema.yml'), []);
  });
  it("a list at its key's indent (models: then - name: at column 0); disabled models offered, said so", () => {
    const text = 'version: 2\nmodels:\n- name: orders\n- name: ';
    const items = completionsAt(analysis, text, text.length, 'models/other.yml');
    assert.deepEqual(ordered(items), ['customers', 'old_thing', 'typing', 'dim_user', 'orders']);
    assert.match(items.find((i) => i.label === 'old_thing')!.detail!, /disabled/);
    assert.match(items.find((i) => i.label === 'dim_user')!.detail!, /documented in models\/schema.yml/);
  });

  it('elsewhere in a yml: nothing (no macros after a description)', () => {
    const text = 'version: 2\nmodels:\n  - name: orders\n    description: "{{ ';
    assert.deepEqual(completionsAt(analysis, text, text.length, 'models/schema.yml'), []);
  });
});

describe('config( keys: the resource type, the profile adapter, only at a keyword argument (core)', () => {
  /** A one-model project whose profile's adapter is `adapter` (none: no profiles.yml). */
  function projectFor(adapter: string | undefined): ReturnType<typeof analyzeProject> {
    const files: Record<string, string> = {
      'dbt_project.yml': 'name: shop\nprofile: shop\nconfig-version: 2\n',
      'models/typing.sql': '',
      'snapshots/snap.sql': "{% snapshot snap %}{{ config(unique_key='id', strategy='check', check_cols='all') }}select 1 as id{% endsnapshot %}",
      'tests/assert_positive.sql': 'select 1 as id where false',
      'macros/generic.sql': '{% test positive(model, column_name) %}select 1{% endtest %}',
    };
    if (adapter) files['profiles.yml'] = `shop:\n  target: dev\n  outputs:\n    dev:\n      type: ${adapter}\n      schema: s\n      threads: 1\n`;
    return analyzeProject(new MemoryHost(files, '/p'), '/p', { profilesDirs: ['/p'] });
  }
  const cases: Array<{ name: string; adapter?: string; file?: string; text: string; includes?: string[]; excludes?: string[]; exactly?: string[] }> = [
    { name: 'a model: dbt model keys, no snapshot or test keys', text: '{{ config(', includes: ['materialized', 'unique_key', 'incremental_strategy', 'on_schema_change', 'sql_header', 'contract', 'access', 'grants'], excludes: ['strategy', 'check_cols', 'severity', 'store_failures', 'file_format'] },
    { name: 'databricks: its keys besides dbt\'s', adapter: 'databricks', text: '{{ config(materialized="table", ', includes: ['file_format', 'location_root', 'partition_by', 'liquid_clustered_by', 'tblproperties', 'zorder', 'databricks_tags', 'unique_key'], excludes: ['transient', 'indexes', 'materialized'] },
    { name: 'spark: dbt-spark\'s keys, not Databricks-only ones', adapter: 'spark', text: '{{ config(', includes: ['file_format', 'location_root', 'partition_by', 'clustered_by', 'buckets'], excludes: ['liquid_clustered_by', 'tblproperties'] },
    { name: 'snowflake', adapter: 'snowflake', text: '{{ config(', includes: ['transient', 'cluster_by', 'automatic_clustering', 'secure', 'copy_grants', 'snowflake_warehouse', 'query_tag', 'copy_tags', 'row_access_policy', 'refresh_mode', 'immutable_where'], excludes: ['file_format', 'labels'] },
    { name: 'bigquery', adapter: 'bigquery', text: '{{ config(', includes: ['partition_by', 'cluster_by', 'require_partition_filter', 'partition_expiration_days', 'kms_key_name', 'labels'], excludes: ['transient', 'file_format'] },
    { name: 'duckdb', adapter: 'duckdb', text: '{{ config(', includes: ['indexes', 'location', 'format'], excludes: ['file_format', 'transient'] },
    { name: 'a snapshot block: snapshot keys', file: 'snapshots/snap.sql', text: '{% snapshot snap %}{{ config(', includes: ['strategy', 'updated_at', 'check_cols', 'hard_deletes', 'dbt_valid_to_current', 'unique_key'], excludes: ['incremental_strategy', 'severity'] },
    { name: 'a singular test: test keys, no adapter keys', adapter: 'databricks', file: 'tests/assert_positive.sql', text: '{{ config(', includes: ['severity', 'store_failures', 'warn_if', 'error_if', 'limit', 'where', 'tags'], excludes: ['materialized', 'file_format', 'unique_key'] },
    { name: 'a generic test block in a macro file: test keys', file: 'macros/generic.sql', text: '{% test positive(model, column_name) %}{{ config(', includes: ['severity', 'fail_calc'], excludes: ['incremental_strategy'] },
    { name: 'after the snapshot block ended: a model again', file: 'models/typing.sql', text: '{% snapshot s %}{% endsnapshot %}{{ config(', includes: ['incremental_strategy'], excludes: ['check_cols'] },
    { name: 'a key already given is not offered again', text: "{{ config(materialized='table', tags=['a'], ", includes: ['alias'], excludes: ['materialized', 'tags'] },
    { name: 'a name begun', text: '{{ config(mat', includes: ['materialized'] },
    { name: 'inside a list value: no keys', text: "{{ config(tags=['a', ", exactly: [] },
    { name: 'inside a dict value: no keys', text: '{{ config(persist_docs={"relation": true, ', exactly: [] },
    { name: 'inside a string value: no keys', text: "{{ config(alias='a, ", exactly: [] },
    { name: 'after a key\'s =: no keys', text: '{{ config(alias=', exactly: [] },
    { name: 'after a nested call closed: keys again', text: "{{ config(post_hook=after_commit('x'), ", includes: ['alias'], excludes: ['post_hook'] },
    { name: "a key's documented values", file: 'snapshots/snap.sql', text: "{% snapshot snap %}{{ config(strategy='check', hard_deletes='", exactly: ['ignore', 'invalidate', 'new_record'] },
    { name: 'a config() call already closed: no keys', text: "{{ config(alias='a') }} select ", excludes: ['alias', 'materialized'] },
  ];
  const projects = new Map<string | undefined, ReturnType<typeof analyzeProject>>();
  for (const c of cases) {
    it(c.name, () => {
      if (!projects.has(c.adapter)) projects.set(c.adapter, projectFor(c.adapter));
      const items = completionsAt(projects.get(c.adapter)!, c.text, c.text.length, c.file ?? 'models/typing.sql');
      const labels = items.map((i) => i.label);
      if (c.exactly) assert.deepEqual(labels, c.exactly);
      for (const l of c.includes ?? []) assert.ok(labels.includes(l), `${l} missing from ${labels.join(', ')}`);
      for (const l of c.excludes ?? []) assert.ok(!labels.includes(l), `${l} offered: ${labels.join(', ')}`);
      // Every key has a one-line doc; an adapter's keys say whose they are.
      for (const i of items.filter((x) => x.detail?.endsWith('config'))) {
        assert.ok(i.documentation && !i.documentation.includes('\n'), `${i.label} has no one-line doc`);
        if (c.adapter && ['file_format', 'transient', 'labels', 'indexes'].includes(i.label)) assert.equal(i.detail, `${c.adapter} config`);
      }
    });
  }
});

describe('source( completion names the package; a source two packages define is told apart (core)', () => {
  const files: Record<string, string> = {
    'dbt_project.yml': 'name: shop\nconfig-version: 2\n',
    'models/typing.sql': '',
    'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n      - name: users\n',
    'dbt_packages/claims/dbt_project.yml': 'name: claims\nconfig-version: 2\n',
    'dbt_packages/claims/models/typing.sql': '',
    'dbt_packages/claims/models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n      - name: claims\n  - name: medical\n    tables:\n      - name: eligibility\n',
    'dbt_packages/pharmacy/dbt_project.yml': 'name: pharmacy\nconfig-version: 2\n',
    'dbt_packages/pharmacy/models/sources.yml': 'version: 2\nsources:\n  - name: medical\n    tables:\n      - name: eligibility\n      - name: pharmacy_claim\n',
  };
  const analysis = analyzeProject(new MemoryHost(files, '/p'), '/p');
  const items = (text: string, file = 'models/typing.sql'): Array<[string, string]> =>
    [...completionsAt(analysis, text, text.length, file)].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label)).map((i) => [i.label, i.detail!]);
  // raw is the root's and claims': source() reads the root's first from any file.
  const rawFromAnywhere: Array<[string, RegExp]> = [
    ['raw', /^source · 2 tables · project shop · also in claims; source\(\) here reads this one's tables first$/],
    ['raw', /^source · 2 tables · package claims · also in shop; source\(\) here reads shop's where both define a table$/],
  ];
  const inClaims = 'dbt_packages/claims/models/typing.sql';
  const cases: Array<{ name: string; text: string; file?: string; expect: Array<[string, RegExp]> }> = [
    { name: "source(' in the root: one item per name and package, the one source() reads here first", text: "{{ source('", expect: [['medical', /^source · 1 table · package claims · also in pharmacy$/], ['medical', /^source · 2 tables · package pharmacy · also in claims$/], ...rawFromAnywhere] },
    { name: "source('raw', ' in the root: each table once, as source() here reads it, with its package", text: "{{ source('raw', '", expect: [['claims', /^source table · package claims$/], ['orders', /^source table · project shop · also in claims$/], ['users', /^source table · project shop$/]] },
    { name: "source('medical', ' in package claims: its own eligibility, pharmacy's other table", text: "{{ source('medical', '", file: inClaims, expect: [['eligibility', /^source table · package claims · also in pharmacy$/], ['pharmacy_claim', /^source table · package pharmacy$/]] },
    { name: "source(' in package claims: its own medical first", text: "{{ source('", file: inClaims, expect: [['medical', /^source · 1 table · package claims · also in pharmacy; source\(\) here reads this one's tables first$/], ['medical', /^source · 2 tables · package pharmacy · also in claims; source\(\) here reads claims's where both define a table$/], ...rawFromAnywhere] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = items(c.text, c.file);
      assert.deepEqual(got.map(([l]) => l), c.expect.map(([l]) => l), JSON.stringify(got));
      c.expect.forEach(([, re], i) => assert.match(got[i]![1], re));
    });
  }
});

describe("config keys under a properties yml entry's config: (core)", () => {
  const files: Record<string, string> = {
    'dbt_project.yml': 'name: shop\nprofile: shop\nconfig-version: 2\n',
    'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: snowflake\n      schema: s\n      threads: 1\n',
    'models/orders.sql': 'select 1 as id',
    'seeds/countries.csv': 'code,name\nfr,France\n',
  };
  const analysis = analyzeProject(new MemoryHost(files, '/p'), '/p', { profilesDirs: ['/p'] });
  const cases: Array<{ name: string; text: string; includes?: string[]; excludes?: string[]; exactly?: string[] }> = [
    { name: "a seed: seed keys and the adapter's", text: 'version: 2\nseeds:\n  - name: countries\n    config:\n      ', includes: ['column_types', 'delimiter', 'quote_columns', 'enabled', 'transient'], excludes: ['incremental_strategy', 'strategy', 'severity'] },
    { name: 'a model: model keys, those given left out', text: 'version: 2\nmodels:\n  - name: orders\n    config:\n      materialized: table\n      pre-hook: "select 1"\n      inc', includes: ['incremental_strategy', 'cluster_by'], excludes: ['materialized', 'pre_hook', 'column_types'] },
    { name: 'a snapshot: snapshot keys', text: 'version: 2\nsnapshots:\n  - name: snap\n    config:\n      ', includes: ['strategy', 'hard_deletes'], excludes: ['incremental_strategy'] },
    { name: 'not under config: nothing', text: 'version: 2\nmodels:\n  - name: orders\n    ', exactly: [] },
    { name: "a config's nested dict: nothing", text: 'version: 2\nmodels:\n  - name: orders\n    config:\n      persist_docs:\n        ', exactly: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const labels = completionsAt(analysis, c.text, c.text.length, 'models/schema.yml').map((i) => i.label);
      if (c.exactly) assert.deepEqual(labels, c.exactly);
      for (const l of c.includes ?? []) assert.ok(labels.includes(l), `${l} missing from ${labels.join(', ')}`);
      for (const l of c.excludes ?? []) assert.ok(!labels.includes(l), `${l} offered: ${labels.join(', ')}`);
    });
  }
});
