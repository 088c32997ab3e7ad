/**
 * The results grid's script (runs in the webview): a table of the first rows, sortable by any
 * column, with the row count and time, and "Copy as CSV". Talks to the extension by messages.
 */
interface ResultsMessage {
  type: 'results';
  title: string;
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
  seconds: number;
  error: string | null;
  limit: number;
  /** The SQL that ran (a failed test's: the query whose rows are its failures). */
  sql: string | null;
}

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };
const vscode = acquireVsCodeApi();
const table = document.getElementById('table')!;
const info = document.getElementById('info')!;
const sqlBox = document.getElementById('sql-box') as HTMLDetailsElement;
const sqlText = document.getElementById('sql')!;
let current: ResultsMessage | undefined;
let sortColumn = -1;
let ascending = true;

const text = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  const na = Number(a);
  const nb = Number(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return text(a).localeCompare(text(b));
}

function render(): void {
  const msg = current;
  if (!msg) return;
  sqlBox.hidden = !msg.sql;
  sqlText.textContent = msg.sql ?? '';
  if (msg.error) {
    table.replaceChildren();
    info.textContent = `${msg.title}: ${msg.error}`;
    return;
  }
  const rows = [...msg.rows];
  if (sortColumn >= 0) rows.sort((a, b) => (ascending ? 1 : -1) * compare(a[sortColumn], b[sortColumn]));
  const head = document.createElement('tr');
  msg.columns.forEach((c, i) => {
    const th = document.createElement('th');
    th.textContent = `${c.name}${i === sortColumn ? (ascending ? ' ▲' : ' ▼') : ''}`;
    th.title = c.type;
    th.tabIndex = 0;
    th.addEventListener('click', () => {
      ascending = sortColumn === i ? !ascending : true;
      sortColumn = i;
      render();
    });
    head.appendChild(th);
  });
  const body = rows.map((r) => {
    const tr = document.createElement('tr');
    for (const v of r) {
      const td = document.createElement('td');
      td.textContent = text(v);
      if (v === null) td.className = 'null';
      tr.appendChild(td);
    }
    return tr;
  });
  const thead = document.createElement('thead');
  thead.appendChild(head);
  const tbody = document.createElement('tbody');
  tbody.append(...body);
  table.replaceChildren(thead, tbody);
  info.textContent = `${msg.title} · ${msg.rows.length} rows${msg.rows.length >= msg.limit ? ` (limit ${msg.limit})` : ''} · ${msg.seconds.toFixed(2)} s`;
  vscode.postMessage({ type: 'rendered', columns: msg.columns.map((c) => c.name), rows: msg.rows.length, title: msg.title, sql: msg.sql ?? undefined });
}

function csv(): string {
  if (!current) return '';
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : text(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [current.columns.map((c) => cell(c.name)).join(','), ...current.rows.map((r) => r.map(cell).join(','))].join('\n');
}

document.getElementById('copy')!.addEventListener('click', () => vscode.postMessage({ type: 'copy', csv: csv() }));
window.addEventListener('message', (event: MessageEvent<ResultsMessage>) => {
  if (event.data?.type === 'results') {
    current = event.data;
    sortColumn = -1;
    // A failed test's rows come with the SQL that found them: show it open.
    sqlBox.open = /^failing rows/.test(event.data.title);
    render();
  }
});
vscode.postMessage({ type: 'ready' });
