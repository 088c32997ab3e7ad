/**
 * Model contracts as dbt-core enforces them (`contract: {enforced: true}` with yml `data_type`s and
 * `constraints`): what the contract is, the problems dbt reports when parsing it, the empty-schema
 * query whose column types the engine reports for the contract, dbt's column comparison
 * (`assert_columns_equivalent`) and its mismatch table (`ContractError`), and the editor's
 * contract problems when the column model knows a model's output columns. Pure; engines run the
 * queries and own the DDL.
 */
import type { Diagnostic } from './diagnostics';
import type { ColumnInfo, ProjectNode } from './model';
import type { Span } from './text';

export type ConstraintType = 'check' | 'not_null' | 'unique' | 'primary_key' | 'foreign_key' | 'custom';

const CONSTRAINT_TYPES: ReadonlySet<string> = new Set<ConstraintType>(['check', 'not_null', 'unique', 'primary_key', 'foreign_key', 'custom']);

export interface Constraint {
  type: ConstraintType;
  name?: string;
  expression?: string;
  /** Model-level constraints: the columns they cover. */
  columns: string[];
  /** foreign_key: the parent relation (`ref('x')`, `source('a','b')` or a name) and its columns. */
  to?: string;
  toColumns: string[];
}

export interface ContractColumn {
  name: string;
  dataType?: string;
  quote: boolean;
  constraints: Constraint[];
  /** Where the column is written in yml. */
  file: string;
  span: Span;
}

export interface Contract {
  columns: ContractColumn[];
  /** Model-level constraints. */
  constraints: Constraint[];
  /** dbt builds constraints into the DDL only for tables and incrementals (`materialization_enforces_constraints`). */
  enforcesConstraints: boolean;
}

/** A column as an engine reports it: name and type name (`INTEGER`, `DECIMAL(10,2)`, `int`). */
export interface SchemaColumn {
  name: string;
  type: string;
}

/** One row of dbt's mismatch table. */
export interface ContractMismatch {
  column: string;
  /** The type the model's SQL produces ('' when the SQL lacks the column). */
  definitionType: string;
  /** The type the contract declares ('' when the contract lacks the column). */
  contractType: string;
  reason: 'data type mismatch' | 'missing in contract' | 'missing in definition';
}

/** Whether a node's contract is enforced (`config.contract.enforced`, a boolean as dbt validates it). */
export function isContractEnforced(node: ProjectNode): boolean {
  const contract = node.config.contract;
  return node.resourceType === 'model' && contract !== null && typeof contract === 'object' && (contract as { enforced?: unknown }).enforced === true;
}

/** The enforced contract of a model, or undefined when it has none. */
export function contractOf(node: ProjectNode): Contract | undefined {
  if (!isContractEnforced(node)) return undefined;
  return {
    columns: node.columns.map(contractColumn),
    constraints: (node.constraints ?? []).map(readConstraint).filter((c): c is Constraint => c !== undefined),
    enforcesConstraints: node.config.materialized === 'table' || node.config.materialized === 'incremental',
  };
}

function contractColumn(column: ColumnInfo): ContractColumn {
  const out: ContractColumn = {
    name: column.name,
    quote: column.quote === true,
    constraints: (column.constraints ?? []).map(readConstraint).filter((c): c is Constraint => c !== undefined),
    file: column.file,
    span: column.span,
  };
  if (column.dataType !== undefined) out.dataType = column.dataType;
  return out;
}

function readConstraint(raw: Record<string, unknown>): Constraint | undefined {
  const type = raw.type;
  if (typeof type !== 'string' || !CONSTRAINT_TYPES.has(type)) return undefined;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  const out: Constraint = { type: type as ConstraintType, columns: strings(raw.columns), toColumns: strings(raw.to_columns) };
  if (typeof raw.name === 'string') out.name = raw.name;
  if (raw.expression !== undefined && raw.expression !== null) out.expression = String(raw.expression);
  if (typeof raw.to === 'string') out.to = raw.to;
  return out;
}

/**
 * What dbt refuses when it parses an enforced contract (ParsingError, so the model never builds):
 * no yml columns, constraint types it does not know, primary keys on several columns or on both
 * levels, and an incremental model whose on_schema_change could drop contracted columns.
 */
export function contractProblems(node: ProjectNode): Diagnostic[] {
  if (!isContractEnforced(node)) return [];
  const at = { file: node.yml?.file ?? node.file, ...(node.yml ? { span: node.yml.span } : {}) };
  const problems: string[] = [];
  if (node.columns.length === 0) problems.push(`Contract enforcement failed for: (${node.file})\nConstraints must be defined in a \`yml\` schema configuration file like \`schema.yml\`.`);
  if (node.file.endsWith('.py')) problems.push(`Contract enforcement failed for: (${node.file})\nLanguage Error: Expected 'sql' but found 'python'`);
  const raw = [...(node.constraints ?? []), ...node.columns.flatMap((c) => c.constraints ?? [])];
  if (raw.some((c) => typeof c.type !== 'string' || !CONSTRAINT_TYPES.has(c.type))) {
    problems.push(`Invalid constraint type on model ${node.name}: Type must be one of ${pyList([...CONSTRAINT_TYPES])}`);
  }
  const pkColumns = node.columns.filter((c) => (c.constraints ?? []).some((k) => k.type === 'primary_key')).map((c) => c.name);
  if (pkColumns.length > 1) problems.push(`Found ${pkColumns.length} columns (${pyList(pkColumns)}) with primary key constraints defined. Primary keys for multiple columns must be defined as a model level constraint.`);
  if (pkColumns.length > 0 && (node.constraints ?? []).some((c) => c.type === 'primary_key')) {
    problems.push('Primary key constraints defined at the model level and the columns level. Primary keys can be defined at the model level or the column level, not both.');
  }
  const onSchemaChange = node.config.on_schema_change ?? 'ignore';
  if (node.config.materialized === 'incremental' && onSchemaChange !== 'append_new_columns' && onSchemaChange !== 'fail') {
    problems.push(`Invalid value for on_schema_change: ${String(onSchemaChange)}. Models materialized as incremental with contracts enabled must set on_schema_change to 'append_new_columns' or 'fail'`);
  }
  return problems.map((message) => ({ code: 'contract', severity: 'error', message, ...at }));
}

/** dbt's error for contracted columns without a `data_type` (undefined when every column has one). */
export function missingDataTypes(contract: Contract): string | undefined {
  if (contract.columns.length === 0) return "This model has an enforced contract, and its 'columns' specification is missing";
  const missing = contract.columns.filter((c) => c.dataType === undefined || c.dataType.trim() === '').map((c) => c.name);
  if (missing.length === 0) return undefined;
  return `Contracted models require data_type to be defined for each column. Please ensure that the column name and data_type are defined within the YAML configuration for the ${pyList(missing)} column(s).`;
}

/** dbt's `get_empty_schema_sql`: one `cast(null as <data_type>) as <name>` per contracted column. */
export function emptySchemaSql(contract: Contract, quote: (name: string) => string): string {
  return `select\n${contract.columns.map((c) => `    cast(null as ${c.dataType}) as ${c.quote ? quote(c.name) : c.name}`).join(',\n')}`;
}

/** dbt's `get_empty_subquery_sql`: the query's columns without reading a row. */
export function emptySubquerySql(sql: string): string {
  return `select * from (\n${sql}\n) as __dbt_sbq\nwhere false\nlimit 0`;
}

/** The contracted column names as DDL writes them (quoted where `quote: true`). */
export function contractColumnNames(contract: Contract, quote: (name: string) => string): string[] {
  return contract.columns.map((c) => (c.quote ? quote(c.name) : c.name));
}

/**
 * dbt's `assert_columns_equivalent`: the same number of columns, every column of the SQL in the
 * contract by name (exactly as written) with the same type (`<name lowercased> <type>`); order is
 * not compared (the table is built in the contract's order). Undefined when they agree; otherwise
 * dbt's mismatch table.
 */
export function compareContract(contractColumns: SchemaColumn[], sqlColumns: SchemaColumn[]): ContractMismatch[] | undefined {
  const formatted = (c: SchemaColumn): string => `${c.name.toLowerCase()} ${c.type}`;
  let agree = contractColumns.length === sqlColumns.length;
  for (const sql of agree ? sqlColumns : []) {
    const declared = contractColumns.find((c) => c.name === sql.name);
    if (!declared || formatted(declared) !== formatted(sql)) agree = false;
  }
  return agree ? undefined : mismatches(contractColumns, sqlColumns);
}

/** `ContractError.get_mismatches`, row for row (sorted by column name). */
function mismatches(yaml: SchemaColumn[], sql: SchemaColumn[]): ContractMismatch[] {
  const rows: ContractMismatch[] = [];
  const sqlNames = new Set<string>();
  for (const s of sql) {
    sqlNames.add(s.name);
    for (let i = 0; i < yaml.length; i++) {
      const y = yaml[i]!;
      if (s.name === y.name) {
        if (s.type !== y.type) rows.push({ column: s.name, definitionType: s.type, contractType: y.type, reason: 'data type mismatch' });
        break;
      }
      if (i === yaml.length - 1) rows.push({ column: s.name, definitionType: s.type, contractType: '', reason: 'missing in contract' });
    }
  }
  for (const y of yaml) if (!sqlNames.has(y.name)) rows.push({ column: y.name, definitionType: '', contractType: y.type, reason: 'missing in definition' });
  return rows.sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
}

/** dbt's contract failure message, with its mismatch table as agate prints it. */
export function contractFailureMessage(rows: ContractMismatch[]): string {
  return [
    'This model has an enforced contract that failed.',
    "Please ensure the name, data_type, and number of columns in your contract match the columns in your model's definition.",
    '',
    mismatchTable(rows),
  ].join('\n');
}

function mismatchTable(rows: ContractMismatch[]): string {
  const header = ['column_name', 'definition_type', 'contract_type', 'mismatch_reason'];
  // agate's print_table: values longer than max_column_width (50) are cut to 47 characters and '...'.
  const cut = (v: string): string => (v.length > 50 ? `${v.slice(0, 47)}...` : v);
  const cells = rows.map((r) => [r.column, r.definitionType, r.contractType, r.reason].map(cut));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.map(line)].join('\n');
}

/**
 * The editor's contract problems for a model whose output columns the column model knows exactly:
 * contracted columns the SQL does not produce, output columns the contract lacks, and types that
 * differ where `normalizeType` can say what the engine makes of a declared type (undefined: it
 * cannot, and the type is not compared). Nothing when the columns are not known exactly: a false
 * error is worse than a missed one.
 */
export function contractEditorProblems(node: ProjectNode, output: { columns: Array<{ name: string; type?: string }> | undefined; exact: boolean }, normalizeType?: (declared: string) => string | undefined): Diagnostic[] {
  const contract = contractOf(node);
  if (!contract || !output.exact || !output.columns) return [];
  const out: Diagnostic[] = [];
  const produced = new Map(output.columns.map((c) => [c.name, c]));
  const declared = new Set(contract.columns.map((c) => c.name));
  for (const column of contract.columns) {
    const actual = produced.get(column.name);
    if (!actual) {
      out.push({ code: 'contract', severity: 'error', file: column.file, span: column.span, message: `Contract: '${node.name}' does not produce the contracted column '${column.name}' (missing in definition)` });
      continue;
    }
    const expected = column.dataType !== undefined ? normalizeType?.(column.dataType) : undefined;
    if (expected !== undefined && actual.type !== undefined && expected !== actual.type) {
      out.push({ code: 'contract', severity: 'error', file: column.file, span: column.span, message: `Contract: column '${column.name}' of '${node.name}' is ${actual.type} in its SQL, the contract says ${column.dataType} (${expected})` });
    }
  }
  const extra = output.columns.filter((c) => !declared.has(c.name)).map((c) => c.name);
  if (extra.length > 0) {
    out.push({
      code: 'contract',
      severity: 'error',
      file: node.yml?.file ?? node.file,
      ...(node.yml ? { span: node.yml.span } : {}),
      message: `Contract: '${node.name}' produces ${extra.map((c) => `'${c}'`).join(', ')}, missing in its contract`,
    });
  }
  return out;
}

const DUCKDB_TYPES: Record<string, string> = {
  int: 'INTEGER', int4: 'INTEGER', integer: 'INTEGER', signed: 'INTEGER', bigint: 'BIGINT', int8: 'BIGINT', long: 'BIGINT',
  smallint: 'SMALLINT', int2: 'SMALLINT', short: 'SMALLINT', tinyint: 'TINYINT', int1: 'TINYINT', hugeint: 'HUGEINT',
  ubigint: 'UBIGINT', uinteger: 'UINTEGER', usmallint: 'USMALLINT', utinyint: 'UTINYINT', uhugeint: 'UHUGEINT',
  varchar: 'VARCHAR', text: 'VARCHAR', string: 'VARCHAR', char: 'VARCHAR', bpchar: 'VARCHAR', nvarchar: 'VARCHAR',
  boolean: 'BOOLEAN', bool: 'BOOLEAN', logical: 'BOOLEAN', double: 'DOUBLE', float8: 'DOUBLE', float: 'FLOAT', float4: 'FLOAT', real: 'FLOAT',
  date: 'DATE', timestamp: 'TIMESTAMP', datetime: 'TIMESTAMP', timestamptz: 'TIMESTAMP WITH TIME ZONE', 'timestamp with time zone': 'TIMESTAMP WITH TIME ZONE',
  time: 'TIME', interval: 'INTERVAL', uuid: 'UUID', blob: 'BLOB', bytea: 'BLOB', varbinary: 'BLOB', json: 'JSON',
};

/**
 * What DuckDB reports for `cast(null as <declared>)`, for the scalar types whose spelling is fixed
 * (aliases, `varchar(n)`, `decimal(p,s)`); undefined for anything else (nested, user types).
 */
export function duckdbTypeName(declared: string): string | undefined {
  const text = declared.trim().toLowerCase().replace(/\s+/g, ' ');
  const decimal = /^(?:decimal|numeric|dec)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(text);
  if (decimal) {
    const [, p, s] = decimal;
    return p === undefined ? 'DECIMAL(18,3)' : `DECIMAL(${p},${s ?? '0'})`;
  }
  const base = text.replace(/\s*\(\s*\d+\s*\)$/, '');
  if (base !== text && !['varchar', 'char', 'bpchar', 'nvarchar', 'text', 'string'].includes(base)) return undefined;
  return DUCKDB_TYPES[base];
}

/** Python's repr of a list of strings, as dbt's messages print them (`['a', 'b']`). */
function pyList(values: string[]): string {
  return `[${values.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}

/**
 * The editor's contract problems for a whole project, given what the column model knows of each
 * node (`columnsOf`: exact output columns, or undefined): types are compared on DuckDB targets,
 * where the declared types' engine names are known; names and count on every target.
 */
export function projectContractProblems(nodes: Iterable<ProjectNode>, columnsOf: (nodeId: string) => { columns: Array<{ name: string; type?: string }> | undefined; exact: boolean } | undefined, targetType: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const node of nodes) {
    if (!isContractEnforced(node)) continue;
    const known = columnsOf(node.uniqueId);
    if (known) out.push(...contractEditorProblems(node, known, targetType === 'duckdb' ? duckdbTypeName : undefined));
  }
  return out;
}
