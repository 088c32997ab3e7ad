/**
 * CSV that hand-written readers get wrong, as a seed and as a unit-test fixture, with the rows
 * every engine must produce from it (the same one CSV reader feeds DuckDB and Databricks).
 */
const crlf = (lines: string[]): string => '\ufeff' + lines.join('\r\n') + '\r\n';

export const TRICKY_FILES: Record<string, string> = {
  // BOM, CRLF, a quote inside an unquoted field, doubled quotes, a quoted delimiter, a multi-line field, an all-empty row.
  'seeds/tricky.csv': crlf(['id,name,price,note', '1,"5"" screen",10.5,plain', '2,5" screen,11,"multi', 'line"', '3,"",12,', '4,"a, b",13,"x"', '"",,,']),
  // A quoted empty row in a one-column seed is a row (a null), not nothing.
  'seeds/one_column.csv': 'code\n""\nA\n',
  'models/tricky_model.sql': "select id, name, note from {{ ref('tricky') }}",
  'models/unit.yml': [
    'version: 2',
    'unit_tests:',
    '  - name: tricky_fixture_rows',
    '    model: tricky_model',
    '    given:',
    "      - input: ref('tricky')",
    '        format: csv',
    '        rows: |',
    '          id,name,price,note',
    '          1,5" screen,1.0,"two',
    '          lines"',
    '          2,"a, ""b""",2.0,',
    '    expect:',
    '      format: csv',
    '      rows: |',
    '        id,name,note',
    '        1,5" screen,"two',
    '        lines"',
    '        2,"a, ""b""",',
    '',
  ].join('\n'),
};

/** `select * from tricky order by id nulls last`, every value as text (null stays null). */
export const TRICKY_ROWS: Array<Array<string | null>> = [
  ['1', '5" screen', '10.5', 'plain'],
  ['2', '5" screen', '11', 'multi\r\nline'],
  ['3', null, '12', null],
  ['4', 'a, b', '13', 'x'],
  [null, null, null, null],
];

export const ONE_COLUMN_ROWS: Array<Array<string | null>> = [['A'], [null]];

export const asText = (rows: unknown[][]): Array<Array<string | null>> => rows.map((r) => r.map((v) => (v === null || v === undefined ? null : String(v))));

/** What building TRICKY_FILES reports, by node name: every node succeeds, the csv fixture passes. */
export const TRICKY_RESULTS: string[][] = [
  ['one_column', 'success', ''],
  ['tricky', 'success', ''],
  ['tricky_fixture_rows', 'pass', ''],
  ['tricky_model', 'success', ''],
];

/** Results as [name, status, message of a failure], sorted by name. */
export const resultsOf = (results: Array<{ name: string; status: string; message: string }>): string[][] =>
  results.map((r) => [r.name, r.status, r.status === 'success' || r.status === 'pass' ? '' : r.message]).sort((a, b) => a[0]!.localeCompare(b[0]!));
