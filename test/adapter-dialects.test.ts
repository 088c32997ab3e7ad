/**
 * Compiling for adapters Medallion only compiles for (Snowflake, BigQuery, Trino) and for
 * Databricks: every node of test/fixtures/adapter_sql, compiled for each of its targets, equals
 * what dbt-core compiled for it (scripts/dbt-adapter-goldens.sh), whitespace aside. The fixture
 * calls dbt's cross-database macros, type macros, sources with and without their own quoting
 * under a project `quoting:`, and generic tests on a source and a model.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeProject } from '../server/src/core/analysis';
import { createCompiler } from '../server/src/core/session';
import { NodeFileHost } from '../server/src/node/fs-host';
import { testPath } from './support/golden';
import { firstDifference, GOLDEN_INVOCATION_ID, goldenClock, normalizeSql } from './support/parity';

interface Summary {
  adapter: string;
  target: string;
  nodes: Record<string, { resource_type: string; status: 'compiled' | 'needs-warehouse' | 'failed'; file?: string; reason?: string }>;
}

const project = testPath('fixtures', 'adapter_sql');
const goldens = testPath('goldens', 'dbt-adapters');

describe('compiled SQL per adapter equals dbt-core with that adapter (whitespace aside)', () => {
  const host = new NodeFileHost();
  const clock = goldenClock();
  const analysis = analyzeProject(host, project, { clock });
  for (const target of readdirSync(goldens).sort()) {
    const summary = JSON.parse(readFileSync(`${goldens}/${target}/summary.json`, 'utf8')) as Summary;
    it(`${target} (${summary.adapter})`, () => {
      const { compiler, resolved } = createCompiler(host, analysis, { env: {}, profilesDirs: [project], target, clock, invocationId: GOLDEN_INVOCATION_ID });
      assert.equal(resolved.target.type, summary.adapter);
      assert.equal(resolved.dialect.type, summary.adapter, 'compiled with the adapter’s own dialect');
      const compiled = Object.entries(summary.nodes).filter(([, n]) => n.status === 'compiled');
      assert.ok(compiled.length >= 5, 'dbt compiled the fixture');
      const problems: string[] = [];
      for (const [id, node] of compiled) {
        const result = compiler.compile(id);
        if (result.sql === undefined) {
          problems.push(`${id}: ${result.diagnostics.map((d) => d.message).join('; ')}`);
          continue;
        }
        const expected = normalizeSql(readFileSync(`${goldens}/${target}/${node.file!}`, 'utf8'));
        const actual = normalizeSql(result.sql);
        if (actual !== expected) problems.push(`${id}: ${firstDifference(actual, expected)}`);
      }
      assert.deepEqual(problems, []);
    });
  }
});
