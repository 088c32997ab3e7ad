/**
 * Column intelligence at the protocol level: the real `medallion lsp --stdio` on a copy of the
 * unbuilt sample project (no landing files, nothing built). The column model is computed in the
 * background (`medallion/columnsComplete` says when); hover shows types and where a column comes
 * from, completion lists columns with types, DuckDB's binder underlines a misspelled column at its
 * line and column as it is typed, signature help for macros, `*` expansion, column rename through
 * downstream models and yml, missing yml columns, and column lineage from the column model.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { ColumnsComplete, LineageResult } from '../server/src/lsp/protocol';
import { testPath } from './support/golden';

interface Published {
  uri: string;
  diagnostics: Array<{ message: string; code: string; range: { start: { line: number; character: number }; end: { line: number; character: number } }; data?: unknown; source?: string }>;
}

interface TextEdit {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}

/** Applies LSP text edits to a text. */
function apply(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start)).reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

/** The real server on a copy of the sample project; `prepare` may change the copy first. */
function columnsServer(prepare: (root: string) => void = () => undefined) {
  let server: ChildProcess;
  let rpc: MessageConnection;
  const root = mkdtempSync(join(tmpdir(), 'medallion-lsp-columns-'));
  const published: Published[] = [];
  const completes: ColumnsComplete[] = [];
  const waiters: Array<() => void> = [];
  const uri = (rel: string): string => pathToFileURL(join(root, rel)).toString();
  const read = (rel: string): string => readFileSync(join(root, rel), 'utf8');
  const notified = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  /** Resolves when `check` holds, re-checked on every notification (never on a timer). */
  const until = async <T>(check: () => T | undefined): Promise<T> => {
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const open = async (rel: string, text = read(rel)): Promise<void> => {
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri(rel), languageId: 'jinja-sql', version: 1, text } });
  };
  const close = (rel: string): Promise<void> => rpc.sendNotification('textDocument/didClose', { textDocument: { uri: uri(rel) } });
  const start = async (): Promise<void> => {
    cpSync(testPath('..', 'models'), root, { recursive: true, filter: (src) => !/(landing-data|target|logs)$/.test(src) });
    prepare(root);
    server = spawn(process.execPath, [testPath('..', 'bin', 'medallion.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, HOME: '/nonexistent', MEDALLION_DESCRIBE_QUERY: '' } });
    rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    rpc.onNotification('textDocument/publishDiagnostics', (p: Published) => {
      published.push(p);
      notified();
    });
    rpc.onNotification('medallion/columnsComplete', (c: ColumnsComplete) => {
      completes.push(c);
      notified();
    });
    rpc.onRequest('client/registerCapability', () => null);
    rpc.onRequest('window/workDoneProgress/create', () => null);
    rpc.listen();
    const init = await rpc.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'sample' }] });
    assert.ok(init.capabilities.signatureHelpProvider);
    await rpc.sendNotification('initialized', {});
  };
  const stop = async (): Promise<void> => {
    await rpc.sendRequest('shutdown').catch(() => undefined);
    await rpc.sendNotification('exit').catch(() => undefined);
    rpc.dispose();
    server.kill();
  };
  return { root, published, completes, uri, read, until, open, close, start, stop, rpc: () => rpc };
}

const positionOf = (text: string, needle: string, delta = 0): { line: number; character: number } => {
  const at = text.indexOf(needle) + delta;
  assert.ok(at >= delta, needle);
  const before = text.slice(0, at).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
};

describe('language server: column intelligence (sample project, unbuilt)', () => {
  const harness = columnsServer((root) => {
    // A model with a `select *` for the expansion, documented in yml with a column it does not output.
    writeFileSync(join(root, 'models/gold/gold_users_all.sql'), "select *\nfrom {{ ref('silver_users') }}\n");
    writeFileSync(join(root, 'models/gold/gold_users_all.yml'), 'version: 2\n\nmodels:\n  - name: gold_users_all\n    columns:\n      - name: id\n        description: User id.\n      - name: nickname\n');
  });
  const { root, published, completes, uri, read, until, open, close } = harness;
  let rpc: MessageConnection;

  before(async () => {
    await harness.start();
    rpc = harness.rpc();
    await open('models/gold/gold_daily_sales.sql');
    const first = await until(() => completes[0]);
    assert.equal(first.nodes, 18);
    assert.equal(first.exact, 18, 'every source, seed, snapshot and model is bound exactly (sources from yml data_type)');
  });

  after(() => harness.stop());

  it('hover on a column: its type, where it comes from, its yml description', async () => {
    const file = 'models/gold/gold_daily_sales.sql';
    const text = read(file);
    const hover = await rpc.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: uri(file) }, position: positionOf(text, 'u.sales_channel', 3) });
    assert.match(hover.contents.value, /\*\*column\*\* `u\.sales_channel` · `VARCHAR`/);
    assert.match(hover.contents.value, /From `silver_users\.sales_channel`/);
    assert.match(hover.contents.value, /Sales channel/i);
    // An output column: its exact type and lineage.
    const total = await rpc.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: uri(file) }, position: positionOf(text, 'total_revenue', 2) });
    assert.match(total.contents.value, /`gold_daily_sales\.total_revenue` · `DECIMAL\(38,2\)`/);
    assert.match(total.contents.value, /From `silver_orders\.order_amount`/);
    // A ref's hover lists the engine's columns and types.
    const ref = await rpc.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: uri(file) }, position: positionOf(text, "ref('silver_users')", 6) });
    assert.match(ref.contents.value, /\| birth_year \| BIGINT \|/);
  });

  it('completion after `alias.` lists that relation\'s columns with types; a select list offers the FROM relations\' columns', async () => {
    const file = 'models/gold/gold_daily_sales.sql';
    const text = read(file);
    const afterDot = await rpc.sendRequest<Array<{ label: string; detail?: string }>>('textDocument/completion', { textDocument: { uri: uri(file) }, position: positionOf(text, 'p.product_name', 2) });
    assert.deepEqual(afterDot.map((i) => i.label), ['id', 'created_at', 'product_name', 'category', 'ean', 'vendor', 'price']);
    assert.equal(afterDot.find((i) => i.label === 'price')!.detail, 'DECIMAL(10,2) · silver_products');
    const inSelect = await rpc.sendRequest<Array<{ label: string }>>('textDocument/completion', { textDocument: { uri: uri(file) }, position: positionOf(text, '    o.order_date,') });
    for (const c of ['order_amount', 'product_name', 'sales_channel']) assert.ok(inSelect.some((i) => i.label === c), c);
  });

  it('as you type, DuckDB\'s binder underlines a misspelled column at its line and column; the fix clears it', async () => {
    const file = 'models/silver/silver_orders.sql';
    const good = read(file);
    const bad = good.replace('    unit_price,', '    unit_prize,');
    await open(file, good);
    const since = published.length;
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version: 2 }, contentChanges: [{ text: bad }] });
    const flagged = await until(() => published.slice(since).find((p) => p.uri === uri(file) && p.diagnostics.some((d) => d.code === 'column-unknown')));
    const d = flagged.diagnostics.find((x) => x.code === 'column-unknown')!;
    assert.deepEqual(d.range, { start: positionOf(bad, 'unit_prize'), end: positionOf(bad, 'unit_prize', 'unit_prize'.length) });
    assert.match(d.message, /^DuckDB \(target dev\): Referenced column "unit_prize" not found/);
    // Only the binder's error: nothing downstream is underlined for it.
    assert.ok(!published.slice(since).some((p) => p.uri === uri('models/gold/gold_daily_sales.sql') && p.diagnostics.length > 0));
    // Typing after the error keeps it in place until the new check: it never blinks off.
    const typing = published.length;
    const checked = completes.length;
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version: 3 }, contentChanges: [{ text: `${bad}-- still typing\n` }] });
    await until(() => completes.slice(checked).find((c) => c.analysisVersion > completes[checked - 1]!.analysisVersion));
    assert.ok(!published.slice(typing).some((p) => p.uri === uri(file) && !p.diagnostics.some((x) => x.code === 'column-unknown')), 'the error stayed');
    const fixes = await rpc.sendRequest<Array<{ title: string; edit: { changes: Record<string, TextEdit[]> } }>>('textDocument/codeAction', { textDocument: { uri: uri(file) }, range: d.range, context: { diagnostics: [d] } });
    assert.equal(fixes[0]!.title, "Change to 'unit_price'");
    assert.equal(apply(bad, fixes[0]!.edit.changes[uri(file)]!), good);
    const fixedSince = published.length;
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version: 4 }, contentChanges: [{ text: good }] });
    await until(() => published.slice(fixedSince).find((p) => p.uri === uri(file) && p.diagnostics.length === 0));
    await close(file);
  });

  it('a type mismatch in a macro argument is placed on that argument', async () => {
    const file = 'models/silver/silver_orders.sql';
    const good = read(file);
    const bad = good.replace("multiply_columns_and_round('quantity', 'unit_price')", "multiply_columns_and_round('quantity', 'cast(created_at as date)')");
    await open(file, bad);
    const flagged = await until(() => published.find((p) => p.uri === uri(file) && p.diagnostics.some((d) => d.code === 'type-mismatch')));
    const d = flagged.diagnostics.find((x) => x.code === 'type-mismatch')!;
    assert.equal(d.range.start.line, positionOf(bad, 'multiply_columns_and_round').line);
    const since = published.length;
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: uri(file), version: 2 }, contentChanges: [{ text: good }] });
    await until(() => published.slice(since).find((p) => p.uri === uri(file) && p.diagnostics.length === 0));
    await close(file);
  });

  it('signature help inside a macro call: the macro\'s parameters and the one being written', async () => {
    const file = 'models/silver/silver_orders.sql';
    const text = read(file);
    const help = await rpc.sendRequest<{ signatures: Array<{ label: string }>; activeParameter: number }>('textDocument/signatureHelp', { textDocument: { uri: uri(file) }, position: positionOf(text, "'unit_price')", 1) });
    assert.equal(help.signatures[0]!.label, 'multiply_columns_and_round(col1, col2, decimal_places=2)');
    assert.equal(help.activeParameter, 1);
  });

  it('code actions: expand `select *` into its columns; add the missing columns with types to yml; warn about a documented column the model does not output', async () => {
    const file = 'models/gold/gold_users_all.sql';
    const text = read(file);
    const warned = await until(() => published.find((p) => p.uri === uri('models/gold/gold_users_all.yml') && p.diagnostics.some((d) => d.code === 'yml-column-missing')));
    assert.match(warned.diagnostics[0]!.message, /'gold_users_all' does not output a column named 'nickname'/);
    const actions = await rpc.sendRequest<Array<{ title: string; edit: { documentChanges: Array<{ textDocument: { uri: string }; edits: TextEdit[] }> } }>>('textDocument/codeAction', { textDocument: { uri: uri(file) }, range: { start: positionOf(text, '*'), end: positionOf(text, '*', 1) }, context: { diagnostics: [] } });
    const expand = actions.find((a) => a.title.startsWith('Expand *'))!;
    assert.equal(expand.title, 'Expand * into 6 columns');
    assert.equal(apply(text, expand.edit.documentChanges[0]!.edits), "select\n    id,\n    created_at,\n    city,\n    state,\n    birth_year,\n    sales_channel\nfrom {{ ref('silver_users') }}\n");
    const yml = actions.find((a) => a.title.startsWith('Add '))!;
    assert.equal(yml.title, 'Add 5 missing columns with types to yml');
    const ymlText = read('models/gold/gold_users_all.yml');
    assert.equal(
      apply(ymlText, yml.edit.documentChanges[0]!.edits),
      `${ymlText}      - name: created_at\n        data_type: timestamp\n      - name: city\n        data_type: varchar\n      - name: state\n        data_type: varchar\n      - name: birth_year\n        data_type: bigint\n      - name: sales_channel\n        data_type: varchar\n`,
    );
  });

  it('rename a column: the model, every downstream reference and the yml that documents it, in one edit', async () => {
    const file = 'models/silver/silver_users.sql';
    const text = read(file);
    const edit = await rpc.sendRequest<{ documentChanges: Array<{ textDocument: { uri: string }; edits: TextEdit[] }> }>('textDocument/rename', { textDocument: { uri: uri(file) }, position: positionOf(text, 'sales_channel', 2), newName: 'channel' });
    const byFile = new Map(edit.documentChanges.map((c) => [c.textDocument.uri.slice(pathToFileURL(root).toString().length + 1), c.edits]));
    // gold_users_all selects * from silver_users: its column follows without an edit (its yml does not document it).
    assert.deepEqual([...byFile.keys()].sort(), ['models/gold/gold.yml', 'models/gold/gold_daily_sales.sql', 'models/silver/silver.yml', 'models/silver/silver_users.sql']);
    assert.match(apply(text, byFile.get(file)!), /source as channel/);
    const gold = apply(read('models/gold/gold_daily_sales.sql'), byFile.get('models/gold/gold_daily_sales.sql')!);
    assert.match(gold, /u\.channel,/);
    assert.match(apply(read('models/silver/silver.yml'), byFile.get('models/silver/silver.yml')!), /- name: channel/);
    assert.match(apply(read('models/gold/gold.yml'), byFile.get('models/gold/gold.yml')!), /- name: channel/);
  });

  it('medallion/lineage with columns: edges from the column model, exact, through CTEs and joins', async () => {
    const lineage = await rpc.sendRequest<LineageResult>('medallion/lineage', { uri: uri('models/gold/gold_product_categories.sql'), depth: 1, columns: true });
    const edges = lineage.columnEdges!.filter((e) => e.to.node === 'model.medallion_retail.gold_product_categories').map((e) => `${e.from.node.split('.').pop()}.${e.from.column} → ${e.to.column}${e.exact ? '' : ' (not exact)'}`);
    assert.deepEqual(edges.sort(), [
      'product_categories.category_id → category_id',
      'product_categories.description → category_description',
      'product_categories.typical_usage → typical_usage',
      'silver_products.category → category_name',
      'silver_products.price → avg_price',
      'silver_products.price → max_price',
      'silver_products.price → min_price',
    ]);
  });
});

describe('language server: columns on a Databricks target without DESCRIBE QUERY', () => {
  const harness = columnsServer((root) => {
    const profiles = join(root, 'profiles.yml');
    writeFileSync(profiles, readFileSync(profiles, 'utf8').replace('  target: dev', '  target: databricks'));
  });
  before(() => harness.start());
  after(() => harness.stop());

  it('column names from the compiled SQL, types from yml, shown as not checked; nothing is underlined', async () => {
    const { read, open, until, completes, published, uri } = harness;
    const rpc = harness.rpc();
    const file = 'models/gold/gold_daily_sales.sql';
    await open(file, read(file).replace('u.sales_channel', 'u.sales_chanel'));
    const done = await until(() => completes[0]);
    assert.equal(done.exact, 0, 'no warehouse was asked: nothing is exact');
    const text = read(file);
    const hover = await rpc.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: uri('models/silver/silver_orders.sql') }, position: positionOf(read('models/silver/silver_orders.sql'), 'order_amount', 2) });
    assert.match(hover!.contents.value, /Not checked by the warehouse/);
    const completion = await rpc.sendRequest<Array<{ label: string }>>('textDocument/completion', { textDocument: { uri: uri(file) }, position: positionOf(text, 'p.product_name', 2) });
    assert.ok(completion.some((i) => i.label === 'product_name'));
    // No binder: nothing can be judged, and nothing column-related was published.
    assert.deepEqual(published.flatMap((p) => p.diagnostics).filter((d) => ['column-unknown', 'column-ambiguous', 'type-mismatch', 'sql-bind'].includes(d.code)), []);
  });
});

describe('language server: an enforced contract checked as you type (sample project, DuckDB binder)', () => {
  const model = 'models/gold/gold_product_names.sql';
  const yml = 'models/gold/gold_product_names.yml';
  const good = "select product_name, category\nfrom {{ ref('silver_products') }}\n";
  const harness = columnsServer((root) => {
    writeFileSync(join(root, model), good);
    writeFileSync(join(root, yml), 'version: 2\n\nmodels:\n  - name: gold_product_names\n    config:\n      contract: {enforced: true}\n    columns:\n      - name: product_name\n        data_type: varchar\n      - name: category\n        data_type: text\n');
  });
  before(() => harness.start());
  after(() => harness.stop());

  it('a column the SQL no longer produces, or produces with another type, is underlined on its yml entry; the fix clears it', { timeout: 120_000 }, async () => {
    const { open, until, completes, published, uri, read } = harness;
    await open(model, good);
    await until(() => completes[0]);
    // Valid as written: no contract problem anywhere.
    assert.deepEqual(published.flatMap((p) => p.diagnostics).filter((d) => d.code === 'contract'), []);
    const ymlText = read(yml);
    const contractOn = (since: number): Published | undefined => published.slice(since).find((p) => p.uri === uri(yml) && p.diagnostics.some((d) => d.code === 'contract'));
    const change = async (version: number, text: string): Promise<number> => {
      const since = published.length;
      await harness.rpc().sendNotification('textDocument/didChange', { textDocument: { uri: uri(model), version }, contentChanges: [{ text }] });
      return since;
    };

    const retyped = await change(2, good.replace('category', '1 as category'));
    const typed = await until(() => contractOn(retyped));
    const mismatch = typed.diagnostics.find((d) => d.code === 'contract')!;
    assert.equal(mismatch.message, "Contract: column 'category' of 'gold_product_names' is INTEGER in its SQL, the contract says text (VARCHAR)");
    assert.equal(mismatch.range.start.line, positionOf(ymlText, 'name: category').line);

    const dropped = await change(3, good.replace('product_name, category', 'product_name'));
    const missing = await until(() => published.slice(dropped).find((p) => p.uri === uri(yml) && p.diagnostics.some((d) => /does not produce the contracted column 'category'/.test(d.message))));
    assert.equal(missing.diagnostics.filter((d) => d.code === 'contract').length, 1);

    const fixed = await change(4, good);
    await until(() => published.slice(fixed).find((p) => p.uri === uri(yml) && p.diagnostics.every((d) => d.code !== 'contract')));
  });
});
