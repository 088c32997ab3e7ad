/** The profile output for the test warehouse that `npm run test:databricks` starts (its address comes from the environment). */
export function sparkOutput(schema: string): string[] {
  return [
    '    spark:',
    '      type: databricks',
    "      host: \"{{ env_var('DATABRICKS_HOST') }}\"",
    "      port: \"{{ env_var('DATABRICKS_PORT') }}\"",
    "      http_path: \"{{ env_var('DATABRICKS_HTTP_PATH') }}\"",
    "      token: \"{{ env_var('DATABRICKS_TOKEN') }}\"",
    '      catalog: spark_catalog',
    `      schema: ${schema}`,
    '      threads: 2',
  ];
}
