/**
 * The files of a new medallion project (`medallion init`): a dbt project that builds at once on the
 * embedded DuckDB and that dbt itself parses without a warning (checked against the pinned dbt-core
 * by scripts/dbt_goldens/init-parse.sh; test/init.test.ts compares with what dbt saw). Pure: a map
 * from relative path to text (and its digest).
 */
import { createHash } from 'node:crypto';

export interface ScaffoldOptions {
  /** The dbt project and profile name (letters, digits, underscores). */
  name: string;
  /** The dev target's DuckDB file, relative to the project folder. */
  database: string;
}

/** dbt's rule for project names: a letter or underscore, then letters, digits, underscores. */
export function isValidProjectName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** A project name from a folder name: `My Shop-2` → `my_shop_2`. */
export function projectNameFrom(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!name) return 'medallion_project';
  return /^[0-9]/.test(name) ? `project_${name}` : name;
}

export function defaultDatabase(name: string): string {
  return `target/${name}.duckdb`;
}

const ORDERS_CSV = `id,ordered_at,customer,status,amount
1001,2024-03-01 09:12:00,Ada Lovelace,shipped,120.50
1002,2024-03-01 11:40:00,Grace Hopper,shipped,35.00
1003,2024-03-01 17:05:00,alan turing ,cancelled,80.00
1004,2024-03-02 08:30:00,Katherine Johnson,delivered,210.25
1005,2024-03-02 13:55:00,Ada Lovelace,placed,15.75
1006,2024-03-03 10:01:00,Edsger Dijkstra,delivered,99.99
1007,2024-03-03 19:45:00,Grace Hopper,shipped,42.10
1008,2024-03-04 07:20:00,Barbara Liskov,placed,64.00
`;

const STATUSES_CSV = `status,description,is_revenue
placed,"Ordered, not yet shipped",true
shipped,On its way,true
delivered,Received by the customer,true
cancelled,Cancelled before shipping,false
`;

export function scaffoldFiles(options: ScaffoldOptions): Map<string, string> {
  const { name, database } = options;
  const files = new Map<string, string>();

  files.set('dbt_project.yml', `# ${name}: a medallion pipeline (landing → bronze → silver → gold), created by \`medallion init\`.
# \`medallion build\` builds and tests it on the embedded DuckDB (profiles.yml, target dev); it is an
# ordinary dbt project, so dbt itself (dbt-duckdb, dbt-databricks) runs it unchanged too.
name: ${name}
version: "1.0.0"
config-version: 2
profile: ${name}

model-paths: ["models"]
seed-paths: ["seeds"]
test-paths: ["tests"]
macro-paths: ["macros"]
snapshot-paths: ["snapshots"]
analysis-paths: ["analyses"]

target-path: "target"
clean-targets:
  - "target"
  - "dbt_packages"

# One folder per layer. Medallion reads a node's layer from meta.layer (else from a tag or folder
# named landing, bronze, silver or gold) and warns when a layer reads one it should not: bronze reads
# only landing and seeds, silver reads bronze and silver, gold reads silver and gold (seeds anywhere).
# The layer lives under meta because dbt accepts any key there and warns about unknown config keys.
models:
  ${name}:
    bronze:
      +materialized: table
      +schema: bronze
      +meta: {layer: bronze}
    silver:
      +materialized: table
      +schema: silver
      +meta: {layer: silver}
    gold:
      +materialized: view
      +schema: gold
      +meta: {layer: gold}

# Seeds are reference data (CSV files in seeds/): any layer may read them.
seeds:
  ${name}:
    +schema: reference
`);

  files.set('profiles.yml', `# Where ${name} runs. Medallion and dbt read this file from DBT_PROFILES_DIR, the project folder
# or ~/.dbt. Keep secrets out of it: read them from the environment with env_var.
${name}:
  target: dev
  outputs:
    dev:
      type: duckdb
      # The embedded DuckDB database, relative to the project folder. One process writes it at a time.
      path: ${database}
      schema: main
      threads: 4

    # A Databricks SQL warehouse: uncomment, set the variables, then \`medallion build --target databricks\`.
    # The token needs USE CATALOG and CREATE SCHEMA on the catalog (or USE SCHEMA and CREATE TABLE on
    # existing schemas), and READ FILES on the landing zone's external location.
    # databricks:
    #   type: databricks
    #   host: "{{ env_var('DATABRICKS_HOST') }}"            # e.g. dbc-1234abcd-5678.cloud.databricks.com
    #   http_path: "{{ env_var('DATABRICKS_HTTP_PATH') }}"  # the warehouse's Connection details
    #   token: "{{ env_var('DATABRICKS_TOKEN') }}"          # a personal access token
    #   catalog: main
    #   schema: ${name}
    #   threads: 4
`);

  files.set('.gitignore', `target/
dbt_packages/
logs/
*.duckdb
*.duckdb.wal
`);

  files.set('models/landing/landing.yml', `version: 2

# The landing zone: raw files as they arrive. Each table of this source says under config.meta.landing
# where its files land; before bronze runs, Medallion makes every landing table a relation
# (landing.<table>) over its files, so bronze models read {{ source('landing', '<table>') }}.
#
# meta.landing options:
#   location  the folder the files land in: relative to the project folder (landing-data/orders/),
#             absolute, or on S3 (s3://bucket/prefix/orders/). MEDALLION_LANDING_S3=s3://bucket/prefix
#             (or --landing) moves every landing table to <prefix>/<table>/ at once. Every file of the
#             format in the folder is read; new files add rows on the next build.
#   format    csv (default; a header row, delimiter and quoting detected), parquet, or json
#             (newline-delimited records or one array).
#   ingest    Databricks only: view (default) reads the files with read_files on every query;
#             copy_into loads new files into a Delta table with COPY INTO (files already loaded are
#             skipped, so reruns add nothing twice).
# Each column's data_type is given to the reader: ids stay numbers, codes with leading zeros stay text.
# To dbt (which ignores meta) this is an ordinary source whose tables must already exist.
sources:
  - name: landing
    description: Raw order data as delivered, one CSV file per batch.
    schema: landing
    tables:
      - name: orders
        description: One row per order, appended in batches of CSV files.
        config:
          meta:
            landing:
              location: landing-data/orders/
              format: csv
        columns:
          - name: id
            description: Order id.
            data_type: bigint
            data_tests:
              - not_null
          - name: ordered_at
            description: When the order was placed.
            data_type: timestamp
          - name: customer
            description: The customer's name as typed.
            data_type: varchar
          - name: status
            description: placed, shipped, delivered or cancelled.
            data_type: varchar
          - name: amount
            description: Order total.
            data_type: decimal(10,2)
`);

  files.set('landing-data/orders/orders_2024_03_01.csv', ORDERS_CSV);

  files.set('seeds/order_statuses.csv', STATUSES_CSV);
  files.set('seeds/seeds.yml', `version: 2

seeds:
  - name: order_statuses
    description: What each order status means and whether it counts as revenue.
    columns:
      - name: status
        data_tests:
          - unique
          - not_null
`);

  files.set('models/bronze/bronze_orders.sql', `-- Bronze: the landing files as delivered, typed by the source's column types.
-- A table rebuilt from every landing file on each build, so late or re-delivered files are never
-- missed. For large landing zones, make it incremental (materialized='incremental', unique_key='id').
select
    id,
    ordered_at,
    customer,
    status,
    amount
from {{ source('landing', 'orders') }}
`);
  files.set('models/bronze/bronze.yml', `version: 2

models:
  - name: bronze_orders
    description: Orders from the landing zone, one row per order line delivered.
    columns:
      - name: id
        description: Order id.
        data_tests:
          - not_null
`);

  files.set('models/silver/silver_orders.sql', `-- Silver: one clean row per order: the latest delivery of each id, names trimmed, the status
-- described by the order_statuses seed.
with latest as (
    select
        *,
        row_number() over (partition by id order by ordered_at desc) as delivery_rank
    from {{ ref('bronze_orders') }}
)

select
    latest.id as order_id,
    latest.ordered_at,
    cast(latest.ordered_at as date) as order_date,
    trim(latest.customer) as customer,
    latest.status,
    statuses.description as status_description,
    statuses.is_revenue,
    latest.amount
from latest
left join {{ ref('order_statuses') }} as statuses
    on statuses.status = latest.status
where latest.delivery_rank = 1
`);
  files.set('models/silver/silver.yml', `version: 2

models:
  - name: silver_orders
    description: One row per order, cleaned.
    columns:
      - name: order_id
        data_tests:
          - unique
          - not_null
      - name: status
        data_tests:
          - accepted_values:
              arguments:
                values: ['placed', 'shipped', 'delivered', 'cancelled']
      - name: customer
        data_tests:
          - not_null
`);

  files.set('models/gold/gold_daily_revenue.sql', `-- Gold: revenue per day, the figure a dashboard reads.
select
    order_date,
    count(*) as orders,
    sum(amount) as revenue
from {{ ref('silver_orders') }}
where is_revenue
group by order_date
`);
  files.set('models/gold/gold.yml', `version: 2

models:
  - name: gold_daily_revenue
    description: Orders and revenue per day (cancelled orders excluded).
    columns:
      - name: order_date
        data_tests:
          - unique
          - not_null

unit_tests:
  - name: gold_daily_revenue_excludes_cancelled_orders
    description: Cancelled orders count neither as orders nor as revenue.
    model: gold_daily_revenue
    given:
      - input: ref('silver_orders')
        rows:
          - {order_date: 2024-03-01, is_revenue: true, amount: 10}
          - {order_date: 2024-03-01, is_revenue: true, amount: 5}
          - {order_date: 2024-03-01, is_revenue: false, amount: 100}
    expect:
      rows:
        - {order_date: 2024-03-01, orders: 2, revenue: 15}
`);

  files.set('tests/assert_revenue_is_not_negative.sql', `-- A singular test: the rows it returns are failures.
select *
from {{ ref('gold_daily_revenue') }}
where revenue < 0
`);

  files.set('README.md', `# ${name}

A medallion pipeline created by \`medallion init\`:

- **landing**: raw CSV files in \`landing-data/orders/\`, declared in \`models/landing/landing.yml\`
- **bronze**: \`bronze_orders\`, the files as delivered
- **silver**: \`silver_orders\`, one clean row per order (joins the \`order_statuses\` seed)
- **gold**: \`gold_daily_revenue\`, revenue per day

\`\`\`bash
medallion build                      # seeds, models, tests and unit tests on the embedded DuckDB
medallion show gold_daily_revenue    # its first rows
medallion ls --select +gold_daily_revenue
\`\`\`

Drop a new CSV file into \`landing-data/orders/\` and build again: its rows flow through to gold.
`);
  return files;
}

/** A digest of every path and text, in path order: what the dbt check saw (scripts/dbt_goldens/init-parse.sh). */
export function scaffoldDigest(files: Map<string, string>): string {
  const hash = createHash('sha256');
  for (const path of [...files.keys()].sort()) hash.update(`${path}\0${files.get(path)}\0`);
  return hash.digest('hex');
}
