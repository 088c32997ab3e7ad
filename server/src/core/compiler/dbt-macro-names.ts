/**
 * Names of the macros dbt-core's own project (`dbt/include/global_project`) defines: dbt's
 * internal namespace. Medallion implements the ones compiled SQL needs (cross-database macros,
 * naming, tests); at parse time the others answer an empty string, as the graph never depends on
 * their SQL, so a model calling one reads as it does in dbt instead of failing.
 */
import { Undefined } from '../jinja';

export const DBT_MACRO_NAMES: ReadonlySet<string> = new Set(
  `_split_part_negative accepted_values after_commit alter_column_comment alter_column_type alter_relation_add_remove_columns
alter_relation_comment any_value apply_grants array_append array_concat array_construct assert_columns_equivalent before_begin
bool_or build_config_dict build_ref_function build_snapshot_staging_table build_snapshot_table build_source_function
call_dcl_statements can_clone_table cast cast_bool_to_text check_for_schema_changes check_schema_exists check_time_data_types
collect_freshness collect_freshness_custom_sql concat convert_datetime copy_grants create_columns create_csv_table create_indexes
create_or_replace_clone create_or_replace_view create_schema create_table_as create_view_as current_timestamp
current_timestamp_backcompat current_timestamp_in_utc_backcompat date date_spine date_trunc dateadd datediff dates_in_range
default_last_day diff_column_data_types diff_columns drop_materialized_view drop_relation drop_relation_if_exists drop_schema
drop_schema_named drop_table drop_view equals escape_single_quotes except format_columns format_row generate_alias_name
generate_database_name generate_schema_name generate_schema_name_for_env generate_series get_alter_materialized_view_as_sql
get_assert_columns_equivalent get_batch_size get_binding_char get_catalog get_catalog_relations get_column_schema_from_query
get_columns_in_query get_columns_in_relation get_create_backup_sql get_create_index_sql get_create_intermediate_sql
get_create_materialized_view_as_sql get_create_sql get_create_table_as_sql get_create_view_as_sql get_csv_sql
get_dbt_valid_to_current get_dcl_statement_list get_delete_insert_merge_sql get_drop_backup_sql get_drop_index_sql get_drop_sql
get_empty_schema_sql get_empty_subquery_sql get_expected_sql get_fixture_sql get_grant_sql get_incremental_append_sql
get_incremental_default_sql get_incremental_delete_insert_sql get_incremental_insert_overwrite_sql get_incremental_merge_sql
get_incremental_microbatch_sql get_insert_into_sql get_insert_overwrite_merge_sql get_intervals_between get_limit_subquery_sql
get_list_of_column_names get_merge_sql get_merge_unique_key_match get_merge_update_columns get_or_create_relation
get_powers_of_two get_quoted_csv get_relation_last_modified get_relations get_rename_intermediate_sql get_rename_sql
get_replace_sql get_revoke_sql get_seed_column_quoted_csv get_select_subquery get_show_grant_sql get_show_indexes_sql get_show_sql
get_snapshot_get_time_data_type get_snapshot_table_column_names get_table_columns_and_constraints get_test_sql get_true_sql
get_unit_test_sql get_updated_at_column_data_type get_where_subquery handle_existing_table hash in_transaction
incremental_validate_on_schema_change information_schema_name intersect is_incremental last_day length
list_relations_without_caching list_schemas listagg load_cached_relation load_csv_rows load_relation make_backup_relation
make_hook_config make_intermediate_relation make_temp_relation not_null partition_range persist_docs position post_snapshot
process_schema_changes py_current_timestring py_script_comment py_script_postfix refresh_materialized_view relationships
rename_relation replace reset_csv_table resolve_model_name right run_hooks run_query safe_cast set_sql_header should_full_refresh
should_revoke should_store_failures snapshot_check_all_get_existing_columns snapshot_check_strategy snapshot_get_time
snapshot_hash_arguments snapshot_merge_sql snapshot_staging_table snapshot_string_as_time snapshot_timestamp_strategy split_part
sql_convert_columns_in_relation statement strategy_dispatch string_literal support_multiple_grantees_per_dcl_statement
sync_column_schemas table_columns_and_constraints truncate_relation type_bigint type_boolean type_float type_int type_numeric
type_string type_timestamp unique unique_key_fields unique_key_is_not_null unique_key_is_null unique_key_join_on validate_sql`.split(/\s+/),
);

/** Internal macros whose parse-time answer is not a string: what dbt's own macro returns when `execute` is false. */
export const PARSE_TIME_RESULTS: Readonly<Record<string, () => unknown>> = {
  // dbt's macro returns `load_result(...).table`, load_result answering None: jinja2's Undefined of
  // None's attribute (length 0, iterates empty, falsy, not none; any other use raises as in dbt).
  run_query: () => new Undefined('table', undefined, null),
  load_relation: () => null,
  load_cached_relation: () => null,
  get_columns_in_relation: () => [],
  get_columns_in_query: () => [],
  get_column_schema_from_query: () => [],
  get_relations: () => [],
  list_relations_without_caching: () => [],
  list_schemas: () => [],
  check_schema_exists: () => false,
  is_incremental: () => false,
  should_full_refresh: () => false,
  get_list_of_column_names: () => [],
  dates_in_range: () => [],
};
