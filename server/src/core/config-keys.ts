/**
 * The keys `config()` accepts, per resource type and per adapter, each with a one-line doc, for
 * completion inside `{{ config(` (ide.ts). Taken from dbt-core 1.12's config classes
 * (`NodeAndTestConfig`, `NodeConfig`, `ModelConfig`, `SnapshotConfig`, `SeedConfig`, `TestConfig`)
 * and dbt's reference pages (docs.getdbt.com/reference/model-configs, snapshot-configs,
 * seed-configs, data-test-configs, resource-configs/*), and from each adapter's `AdapterConfig`
 * class and reference page: dbt-databricks (`DatabricksConfig`), dbt-spark (`SparkConfig`),
 * dbt-snowflake (`SnowflakeConfig`), dbt-bigquery (`BigqueryConfig`), dbt-duckdb (`DuckDBConfig`
 * and its `external` materialization). Nothing here is invented: a key dbt does not document for a
 * resource type is not offered for it.
 */

export type ConfigResource = 'model' | 'snapshot' | 'seed' | 'test';

/** Keys every node and test takes (`NodeAndTestConfig`). */
const COMMON: Record<string, string> = {
  enabled: 'false to disable the resource',
  alias: 'Relation name, instead of the resource name',
  schema: 'Custom schema (combined with the target schema by generate_schema_name)',
  database: 'Custom database or catalog (generate_database_name)',
  tags: 'Tags for selection (tag:x)',
  meta: 'Free-form metadata (selectable with config.meta:)',
  group: 'The group the resource belongs to',
};

/** Keys of models, seeds and snapshots (`NodeConfig`). */
const NODE: Record<string, string> = {
  materialized: 'How it is built: view, table, incremental, ephemeral, materialized_view, or a custom materialization',
  pre_hook: 'SQL run before the resource is built',
  post_hook: 'SQL run after the resource is built',
  persist_docs: 'Write descriptions as relation and column comments: {relation: true, columns: true}',
  full_refresh: 'false: never rebuilt on --full-refresh; true: always rebuilt',
  grants: 'Privileges granted on the relation: {select: [roles]}',
  docs: 'Docs site settings: {show: false, node_color: ...}',
  contract: 'Enforce the yml columns and types: {enforced: true}',
  event_time: 'Column holding each row\'s time (microbatch, sample mode)',
  quoting: 'Quote database, schema or identifier of the relation',
};

const MODEL: Record<string, string> = {
  ...COMMON,
  ...NODE,
  sql_header: 'SQL run before the create statement, in the same query',
  unique_key: 'Key column(s) for incremental merge and delete+insert',
  incremental_strategy: 'append, merge, delete+insert, insert_overwrite, microbatch (per adapter)',
  on_schema_change: 'Incremental models when columns change: ignore, fail, append_new_columns, sync_all_columns',
  on_configuration_change: 'Materialized views when their config changes: apply, continue, fail',
  incremental_predicates: 'Extra conditions on the target in an incremental merge',
  merge_update_columns: 'Only these columns are updated by an incremental merge',
  merge_exclude_columns: 'These columns are not updated by an incremental merge',
  batch_size: 'Microbatch: the time period of one batch (hour, day, month, year)',
  lookback: 'Microbatch: how many batches before the latest are reprocessed',
  begin: 'Microbatch: the earliest time of the first batch',
  concurrent_batches: 'Microbatch: whether batches may run at the same time',
  access: 'Who may ref the model: private, protected, public',
  on_error: 'A failed model: skip_children (default) or continue',
  packages: 'Python models: the packages they need',
  layer: 'Medallion layer: landing, bronze, silver, gold',
};

const SNAPSHOT: Record<string, string> = {
  ...COMMON,
  ...NODE,
  unique_key: 'The column(s) that identify a record',
  strategy: 'How changes are found: timestamp or check',
  updated_at: 'timestamp strategy: the column holding when the record last changed',
  check_cols: 'check strategy: the columns compared, or all',
  hard_deletes: 'Rows deleted from the source: ignore, invalidate, new_record',
  invalidate_hard_deletes: 'Legacy: true to invalidate deleted rows (hard_deletes=\'invalidate\')',
  dbt_valid_to_current: 'The value of dbt_valid_to in current records (instead of null)',
  snapshot_meta_column_names: 'Names of the dbt_valid_from, dbt_valid_to, dbt_scd_id, dbt_updated_at, dbt_is_deleted columns',
  target_schema: 'Legacy: the schema the snapshot is built in',
  target_database: 'Legacy: the database the snapshot is built in',
  sql_header: 'SQL run before the create statement, in the same query',
};

const SEED: Record<string, string> = {
  ...COMMON,
  ...NODE,
  column_types: 'Column types instead of the inferred ones: {column: type}',
  delimiter: 'The CSV field separator (default ,)',
  quote_columns: 'Quote the column names of the seed\'s table',
};

const TEST: Record<string, string> = {
  ...COMMON,
  severity: 'error or warn',
  error_if: 'Condition on the failure count that makes an error (default != 0)',
  warn_if: 'Condition on the failure count that makes a warning (default != 0)',
  fail_calc: 'The failure count computed from the failing rows (default count(*))',
  limit: 'At most this many failing rows are returned',
  where: 'Filter on the tested relation',
  store_failures: 'Store the failing rows in a table',
  store_failures_as: 'Store the failing rows as: table, view, ephemeral',
  sql_header: 'SQL run before the test query, in the same query',
};

const BY_RESOURCE: Record<ConfigResource, Record<string, string>> = { model: MODEL, snapshot: SNAPSHOT, seed: SEED, test: TEST };

const SPARK: Record<string, string> = {
  file_format: 'Table file format: delta, parquet, iceberg, hudi, csv, json, orc...',
  location_root: 'The table\'s data is stored in this folder (its alias appended)',
  partition_by: 'Partition column(s): a folder per partition',
  clustered_by: 'Bucket the table by these column(s) (with buckets)',
  buckets: 'Number of buckets (with clustered_by)',
  options: 'Table options (USING ... OPTIONS)',
};

const DATABRICKS: Record<string, string> = {
  ...SPARK,
  table_format: 'iceberg: provision Iceberg compatibility (UniForm)',
  include_full_name_in_path: 'Append database, schema and alias to location_root',
  liquid_clustered_by: 'Liquid clustering column(s) (Delta)',
  auto_liquid_cluster: 'true: Databricks chooses the clustering columns',
  tblproperties: 'Table properties (TBLPROPERTIES)',
  databricks_tags: 'Unity Catalog tags on the table',
  zorder: 'Z-order column(s) for OPTIMIZE (Delta)',
  unique_tmp_table_suffix: 'A unique suffix for an incremental model\'s temporary table',
  skip_matched_step: 'Incremental merge: skip the WHEN MATCHED step',
  skip_non_matched_step: 'Incremental merge: skip the WHEN NOT MATCHED step',
  matched_condition: 'Incremental merge: condition of the WHEN MATCHED clause',
  not_matched_condition: 'Incremental merge: condition of the WHEN NOT MATCHED clause',
  not_matched_by_source_action: 'Incremental merge: what WHEN NOT MATCHED BY SOURCE does (delete)',
};

const SNOWFLAKE: Record<string, string> = {
  transient: 'false: a permanent table (default transient, without Fail-safe)',
  cluster_by: 'Clustering key column(s)',
  automatic_clustering: 'Turn on automatic clustering',
  secure: 'A secure view',
  copy_grants: 'Keep the grants of the table or view it replaces',
  copy_tags: 'Clones: keep the tags of the cloned object (COPY TAGS)',
  snowflake_warehouse: 'The warehouse that builds this model',
  query_tag: 'The session query tag while the model builds',
  tmp_relation_type: 'Incremental models\' temporary relation: table or view',
  target_lag: 'Dynamic tables: how stale the table may be',
  refresh_mode: 'Dynamic tables: AUTO, FULL or INCREMENTAL refresh',
  initialize: 'Dynamic tables: ON_CREATE or ON_SCHEDULE',
  refresh_warehouse: 'Dynamic and interactive tables: the warehouse that refreshes the table',
  snowflake_initialization_warehouse: 'Dynamic and interactive tables: the warehouse of the first refresh',
  scheduler: 'Dynamic tables: DISABLE turns off scheduled refreshes',
  row_access_policy: 'Dynamic tables: a row access policy and its columns (WITH ROW ACCESS POLICY)',
  table_tag: 'Dynamic tables: tags on the table (WITH TAG)',
  immutable_where: 'Dynamic tables: a predicate for rows that never change (IMMUTABLE WHERE)',
  table_format: 'iceberg: an Iceberg table',
  external_volume: 'Iceberg tables: the external volume',
  base_location_subpath: 'Iceberg tables: a subpath of the base location',
};

const BIGQUERY: Record<string, string> = {
  partition_by: 'Partitioning: {field, data_type, granularity} (range for int64)',
  cluster_by: 'Clustering column(s) (up to four)',
  require_partition_filter: 'Queries on the table must filter on the partition',
  partition_expiration_days: 'Days a partition is kept',
  kms_key_name: 'Cloud KMS key that encrypts the table',
  labels: 'Labels on the table or view: {key: value}',
  hours_to_expiration: 'Hours after which the table expires',
  grant_access_to: 'Authorized views: datasets the view may read [{project, dataset}]',
  partitions: 'insert_overwrite: the partitions replaced (static)',
  enable_refresh: 'Materialized views: refresh automatically',
  refresh_interval_minutes: 'Materialized views: minutes between refreshes',
  max_staleness: 'Materialized views: how stale a read may be',
};

const DUCKDB: Record<string, string> = {
  indexes: 'Indexes created on the table: [{columns: [...], unique: true}]',
  location: 'external materialization: the file written',
  format: 'external materialization: parquet, csv or json',
  delimiter: 'external materialization, csv: the field separator',
  options: 'external materialization: options of the COPY statement',
  glue_register: 'external materialization: register the file in AWS Glue',
  glue_database: 'external materialization: the Glue database',
};

/** Adapter type (`target.type`) → its own config keys. */
const BY_ADAPTER: Record<string, Record<string, string>> = { databricks: DATABRICKS, spark: SPARK, snowflake: SNOWFLAKE, bigquery: BIGQUERY, duckdb: DUCKDB };

export interface ConfigKey {
  key: string;
  doc: string;
  /** The adapter the key belongs to, when it is adapter-specific. */
  adapter?: string;
}

/**
 * The config keys of a resource type: dbt's own, then the adapter's (models, seeds and snapshots:
 * tests take none). A key both define keeps dbt's doc unless the adapter's says more (partition_by).
 */
export function configKeys(resource: ConfigResource, adapterType: string | undefined): ConfigKey[] {
  const own = BY_RESOURCE[resource];
  const keys: ConfigKey[] = Object.entries(own).map(([key, doc]) => ({ key, doc }));
  const adapter = adapterType ? BY_ADAPTER[adapterType.toLowerCase()] : undefined;
  if (adapter && resource !== 'test') {
    for (const [key, doc] of Object.entries(adapter)) {
      if (Object.hasOwn(own, key)) continue;
      keys.push({ key, doc, adapter: adapterType!.toLowerCase() });
    }
  }
  return keys;
}
