/**
 * On-save validation by the warehouse (`explain`), on Spark through the unmodified driver: parse
 * errors come back with their line; valid Databricks SQL, and SQL over tables that do not exist
 * yet, is never reported. Run by `npm run test:databricks`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Target } from '../../server/src/core/profiles';
import { DatabricksSyntaxChecker } from '../../server/src/engines/databricks/validate';

const env = process.env as Record<string, string | undefined>;
const target = (token = env.DATABRICKS_TOKEN): Target => ({
  name: 'spark',
  type: 'databricks',
  database: 'spark_catalog',
  schema: 'default',
  threads: 1,
  profileName: 'p',
  settings: { host: env.DATABRICKS_HOST, port: env.DATABRICKS_PORT, http_path: env.DATABRICKS_HTTP_PATH, token },
});

describe('databricks: on-save syntax check by the warehouse', () => {
  const checker = new DatabricksSyntaxChecker(target(), env);
  after(() => checker.close());

  it('a parse error is reported with its line in the compiled SQL', async () => {
    const problem = await checker.check('select\n  id,\n  amount\nfrom orders\nwher id > 1');
    assert.ok(problem, 'a syntax error is found');
    assert.equal(problem.line, 5);
    assert.match(problem.message, /PARSE_SYNTAX_ERROR/);
  });

  it('valid Databricks SQL is not underlined, nor a table that is not built yet', async () => {
    for (const sql of [
      // (QUALIFY is Databricks SQL that Spark 4.0 cannot parse: the test warehouse is not the judge of it.)
      'select id::string as s, row_number() over (partition by id % 2 order by id) as n from range(10)',
      "select cast('2024-01-01' as date) + interval 1 day as d, named_struct('a', 1).a as a",
      'select * from not_built_yet.some_model where amount > 0',
      'with t as (select 1 as x) select x from t group by all',
    ]) {
      assert.equal(await checker.check(sql), undefined, sql);
    }
  });

  it('without a reachable warehouse (wrong token) nothing is reported and the reason is given once', async () => {
    const offline = new DatabricksSyntaxChecker(target('dapi-wrong'), env);
    const reasons: string[] = [];
    assert.equal(await offline.check('selec 1', (why) => reasons.push(why)), undefined);
    await offline.close();
    assert.equal(reasons.length, 1);
    assert.match(reasons[0]!, /refused the credentials/);
  });
});
