/** A whole CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines) as rows of fields. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export type CsvColumnType = 'boolean' | 'bigint' | 'double' | 'date' | 'timestamp' | 'string';

/**
 * The type dbt infers for a seed column (agate's order: boolean, number, date, datetime, text),
 * as Spark/Databricks names it. Empty cells are nulls and do not vote.
 */
export function inferCsvColumnType(values: Iterable<string>): CsvColumnType {
  let candidates: Array<Exclude<CsvColumnType, 'string'>> = ['boolean', 'bigint', 'double', 'date', 'timestamp'];
  let seen = false;
  for (const raw of values) {
    const v = raw.trim();
    if (v === '') continue;
    seen = true;
    candidates = candidates.filter((t) => CSV_TYPE_TESTS[t](v));
    if (candidates.length === 0) return 'string';
  }
  return seen ? candidates[0]! : 'string';
}

const CSV_TYPE_TESTS: Record<Exclude<CsvColumnType, 'string'>, (v: string) => boolean> = {
  boolean: (v) => /^(true|false)$/i.test(v),
  bigint: (v) => /^[-+]?\d{1,18}$/.test(v),
  double: (v) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
  timestamp: (v) => /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v),
};
