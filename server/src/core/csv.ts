/**
 * The one CSV reader of seeds, seed headers and unit-test fixtures, on every engine: csv-parse
 * (RFC 4180: quoted fields hold delimiters, doubled quotes and line breaks). A quote inside an
 * unquoted field is a character (`5" screen`), a byte-order mark is dropped, CRLF and LF both end
 * rows, blank lines are skipped, and a quoted empty row (`""`) is a row with one empty field.
 */
import { parse } from 'csv-parse/sync';

export interface CsvText {
  rows: string[][];
  /** 1-based line where each row starts (rows may span lines). */
  lines: number[];
  /** Where reading stopped (an unterminated quote): rows before it are in `rows`. */
  error?: { line: number; message: string };
}

/** Never throws: a problem ends the rows and is returned with its line. */
export function readCsv(text: string, delimiter = ',', options: { maxRows?: number } = {}): CsvText {
  const rows: string[][] = [];
  const lines: number[] = [];
  const startLine = (raw: string, endLine: number): number => {
    // info.lines is the line the record ends on; line breaks inside its quoted fields go back to its
    // start (raw begins with the blank lines skipped before it and ends with its own line break).
    const inside = raw.replace(/^(\r\n|\n|\r)+/, '').replace(/(\r\n|\n|\r)$/, '').match(/\r\n|\n|\r/g)?.length ?? 0;
    return endLine - inside;
  };
  try {
    parse(text, {
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      bom: true,
      info: true,
      raw: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      ...(options.maxRows !== undefined ? { to: options.maxRows } : {}),
      // Collected as they come, so the rows before an unreadable point are kept.
      on_record: (entry: unknown) => {
        const { record, raw, info } = entry as { record: string[]; raw: string; info: { lines: number } };
        rows.push(record);
        lines.push(startLine(raw, info.lines));
        return null;
      },
    } as never);
    return { rows, lines };
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    return { rows, lines, error: { line: typeof e.lines === 'number' ? e.lines : 1, message: String(e.message ?? err) } };
  }
}

/** A whole CSV text as rows of fields (see `readCsv`; rows after an unreadable point are dropped). */
export function parseCsv(text: string, delimiter = ','): string[][] {
  return readCsv(text, delimiter).rows;
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
