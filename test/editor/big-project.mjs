// A generated dbt project of 2,000+ models laid out as most dbt projects are (staging /
// intermediate / marts folders, no layers, no profiles.yml), for the UI tests of the lineage view
// at scale: `int_orders_hub` reads 5 staging models and has 72 children, each with 27 children of
// its own, so the hub's neighbourhood at depth 2 holds about 2,000 nodes. Deterministic.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const HUB = 'int_orders_hub';
export const HUB_CHILDREN = 72;
export const GRANDCHILDREN = 27;
const AREAS = ['finance', 'marketing', 'operations', 'product'];

/** Writes the project into `dir` (replacing it); returns its size. */
export function generateBigProject(dir) {
  rmSync(dir, { recursive: true, force: true });
  const write = (rel, text) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  write('dbt_project.yml', 'name: big_shop\nversion: "1.0"\nconfig-version: 2\nprofile: big_shop\nmodels:\n  big_shop:\n    +materialized: view\n    marts:\n      +materialized: table\n');
  const tables = Array.from({ length: 20 }, (_, i) => `raw_table_${String(i).padStart(2, '0')}`);
  write('models/staging/_sources.yml', `version: 2\nsources:\n  - name: shop\n    tables:\n${tables.map((t) => `      - name: ${t}\n`).join('')}`);
  let models = 0;
  let staging = 'version: 2\nmodels:\n';
  for (const t of tables) {
    const name = `stg_${t.slice(4)}`;
    write(`models/staging/${name}.sql`, `select id, customer_id, amount, created_at from {{ source('shop', '${t}') }}\n`);
    staging += `  - name: ${name}\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n      - name: customer_id\n      - name: amount\n      - name: created_at\n`;
    models++;
  }
  write('models/staging/_staging.yml', staging);
  write(
    `models/intermediate/${HUB}.sql`,
    `with orders as (\n    select * from {{ ref('stg_table_00') }}\n),\n\npayments as (\n    select * from {{ ref('stg_table_01') }}\n)\n\nselect o.id, o.customer_id, o.amount, p.amount as paid_amount, o.created_at\nfrom orders o\nleft join payments p using (id)\nleft join {{ ref('stg_table_02') }} s on s.id = o.id\nleft join {{ ref('stg_table_03') }} r on r.id = o.id\nleft join {{ ref('stg_table_04') }} q on q.id = o.id\n`,
  );
  models++;
  let marts = 'version: 2\nmodels:\n';
  for (let i = 0; i < HUB_CHILDREN; i++) {
    const area = AREAS[i % AREAS.length];
    const child = `int_${area}_${String(i).padStart(2, '0')}`;
    write(`models/intermediate/${area}/${child}.sql`, `select id, customer_id, amount * ${i + 1} as amount, created_at\nfrom {{ ref('${HUB}') }}\n`);
    models++;
    for (let j = 0; j < GRANDCHILDREN; j++) {
      const mart = `fct_${area}_${String(i).padStart(2, '0')}_${String(j).padStart(2, '0')}`;
      // Every fifth mart also reads the previous branch (a second parent).
      const other = j % 5 === 0 && i > 0 ? `\nunion all\nselect id, customer_id, amount from {{ ref('int_${AREAS[(i - 1) % AREAS.length]}_${String(i - 1).padStart(2, '0')}') }}` : '';
      write(`models/marts/${area}/${mart}.sql`, `select id, customer_id, sum(amount) as amount from {{ ref('${child}') }} group by 1, 2${other}\n`);
      if (j === 0) marts += `  - name: ${mart}\n    columns:\n      - name: id\n        data_tests: [not_null]\n`;
      models++;
    }
  }
  write('models/marts/_marts.yml', marts);
  write('models/marts/_exposures.yml', `version: 2\nexposures:\n  - name: finance_dashboard\n    type: dashboard\n    owner: {name: Finance}\n    depends_on:\n      - ref('fct_finance_00_00')\n`);
  // Models outside the hub's neighbourhood: utilities and a few lonely ones.
  for (let k = 0; k < 30; k++) {
    write(`models/utils/util_calendar_${k}.sql`, `select ${k} as day_offset\n`);
    models++;
  }
  write('.vscode/settings.json', JSON.stringify({ 'files.associations': { '*.sql': 'jinja-sql' } }));
  return { models };
}
