/** Navigation and editing: definition, references, hover, completion, signature help, code actions, rename, symbols, code lenses. Each a guarded call into core/ide.ts or the column features. */
import { CodeActionKind, CodeLens, CompletionItemKind, InsertTextFormat, ResponseError, SymbolKind, type CodeAction, type WorkspaceEdit } from 'vscode-languageserver/node';
import { joinPath } from '../../core/host';
import { completionsAt, definitionsOf, hoverAt, lensesFor, referencesTo, renameModel, subjectAt } from '../../core/ide';
import type { ProjectNode } from '../../core/model';
import { pathToUri, toLocation, type Lines } from '../convert';
import type { ServerState } from '../state';

export function registerNavigationHandlers(state: ServerState): void {
  state.connection.onDefinition(
    state.guard('definition', (params) => {
      const where = state.at(params.textDocument.uri);
      if (!where) return null;
      const offset = state.lines.of(where.path).offset(params.position);
      // One place, or a macro call's definition followed by the models its render reached through it.
      const locations = definitionsOf(where.project.get(), where.file, offset).map((loc) => toLocation(state.lines, where.project.root, loc));
      return locations.length === 0 ? null : locations.length === 1 ? locations[0]! : locations;
    }),
  );

  state.connection.onReferences(
    state.guard('references', (params) => {
      const where = state.at(params.textDocument.uri);
      if (!where) return [];
      const analysis = where.project.get();
      const node = subjectAt(analysis, where.file, state.lines.of(where.path).offset(params.position));
      if (!node) return [];
      return referencesTo(analysis, node, params.context.includeDeclaration).map((l) => toLocation(state.lines, where.project.root, l));
    }),
  );

  state.connection.onHover(
    state.guard('hover', (params) => {
      const where = state.at(params.textDocument.uri);
      if (!where) return null;
      // The relation on every target of the profile (dev, databricks...), as each would name it.
      const relationFor = state.trustedOnly((): string[] | undefined => undefined, (node: ProjectNode): string[] | undefined => {
        try {
          const own = where.project.compilerFor();
          const names = where.project.targets();
          return (names.length > 0 ? names : [own.options.target.name]).slice(0, 4).map((t) => {
            const r = (t === own.options.target.name ? own : where.project.compilerFor(t)).relation(node);
            return `${t}: \`${r.type === 'cte' ? 'ephemeral (inlined as a CTE)' : r.render()}\``;
          });
        } catch {
          return undefined;
        }
      });
      const offset = state.lines.of(where.path).offset(params.position);
      const hover = hoverAt(where.project.get(), where.file, offset, relationFor, state.trustedColumns?.columnsOf(where.project)) ?? state.trustedColumns?.hover(where.project, where.file, state.textOf(where.path), offset);
      return hover ? { contents: { kind: 'markdown' as const, value: hover.markdown }, range: state.lines.range(where.path, hover.span) } : null;
    }),
  );

  state.connection.onCompletion(
    state.guard('completion', (params) => {
      const where = state.at(params.textDocument.uri);
      if (!where) return [];
      const text = state.textOf(where.path);
      const offset = state.lines.of(where.path).offset(params.position);
      const items = state.trustedColumns?.completion(where.project, where.file, text, offset) ?? completionsAt(where.project.get(), text, offset, where.file);
      const kinds = { model: CompletionItemKind.Class, seed: CompletionItemKind.File, snapshot: CompletionItemKind.Class, source: CompletionItemKind.Module, table: CompletionItemKind.Struct, macro: CompletionItemKind.Function, column: CompletionItemKind.Field, package: CompletionItemKind.Module, variable: CompletionItemKind.Variable };
      return items.map((i) => ({
        label: i.label,
        kind: kinds[i.kind],
        ...(i.detail ? { detail: i.detail } : {}),
        ...(i.documentation ? { documentation: i.documentation } : {}),
        ...(i.sortText ? { sortText: i.sortText } : {}),
        ...(i.insertText ? { insertText: i.insertText, insertTextFormat: i.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText } : {}),
      }));
    }),
  );

  state.connection.onSignatureHelp(
    state.guard('signatureHelp', (params) => {
      const where = state.at(params.textDocument.uri);
      const help = where ? state.columns.signatureHelp(where.project, state.textOf(where.path), state.lines.of(where.path).offset(params.position)) : undefined;
      return help ? { signatures: [{ label: help.label, parameters: help.parameters, ...(help.documentation ? { documentation: help.documentation } : {}) }], activeSignature: 0, activeParameter: help.activeParameter } : null;
    }),
  );

  state.connection.onCodeAction(
    state.guard('codeAction', (params) => {
      const where = state.at(params.textDocument.uri);
      const out: CodeAction[] = where && state.trustedColumns ? state.trustedColumns.codeActions(where.project, where.file, params.textDocument.uri, params.range, params.context.diagnostics) : [];
      for (const d of params.context.diagnostics) {
        const suggestions = (d.data as { suggestions?: string[] } | undefined)?.suggestions ?? [];
        if (d.source !== 'medallion' || (d.code !== 'unknown-ref' && d.code !== 'unknown-source' && d.code !== 'missing-file')) continue;
        for (const name of suggestions.slice(0, 3)) {
          out.push({ title: `Change to '${name}'`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: name === suggestions[0], edit: { changes: { [params.textDocument.uri]: [{ range: d.range, newText: name }] } } });
        }
      }
      return out;
    }),
  );

  state.connection.onRenameRequest(
    state.guard('rename', async (params): Promise<WorkspaceEdit | ResponseError<void> | null> => {
      const where = state.at(params.textDocument.uri);
      if (!where) return null;
      const offset = state.lines.of(where.path).offset(params.position);
      // On a column a model outputs: the column is renamed (downstream and yml too); else the model.
      const columnRename = await state.trustedColumns?.rename(where.project, where.file, offset, params.newName);
      if (columnRename) return columnRename;
      const analysis = where.project.get();
      const node = subjectAt(analysis, where.file, offset);
      if (!node) return null;
      const result = renameModel(analysis, node, params.newName);
      if (result.problem) return new ResponseError<void>(-32602, result.problem);
      const changes: NonNullable<WorkspaceEdit['documentChanges']> = [];
      const byFile = new Map<string, typeof result.edits>();
      for (const e of result.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
      for (const [file, edits] of byFile) {
        const path = joinPath(where.project.root, file);
        changes.push({ textDocument: { uri: pathToUri(path), version: null }, edits: edits.map((e) => ({ range: state.lines.range(path, e.span), newText: e.newText })) });
      }
      if (result.fileRename) changes.push({ kind: 'rename', oldUri: pathToUri(joinPath(where.project.root, result.fileRename.from)), newUri: pathToUri(joinPath(where.project.root, result.fileRename.to)) });
      return { documentChanges: changes };
    }),
  );

  state.connection.onDocumentSymbol(
    state.guard('documentSymbol', (params) => {
      const where = state.at(params.textDocument.uri);
      if (!where) return [];
      const analysis = where.project.get();
      const file = analysis.project.files.get(where.file);
      const symbols: Array<{ name: string; kind: SymbolKind; range: ReturnType<Lines['range']>; selectionRange: ReturnType<Lines['range']>; detail: string }> = (file?.blocks ?? []).map((b) => {
        const range = state.lines.range(where.path, b.span);
        return { name: b.name, kind: b.kind === 'macro' || b.kind === 'test' ? SymbolKind.Function : SymbolKind.Class, range, selectionRange: state.lines.range(where.path, b.nameSpan), detail: b.kind as string };
      });
      for (const node of analysis.project.nodes.values()) {
        if (node.yml?.file === where.file || (node.resourceType === 'source' && node.file === where.file)) {
          const range = state.lines.range(where.path, node.yml?.span ?? node.nameSpan);
          symbols.push({ name: node.resourceType === 'source' ? `${node.source!.sourceName}.${node.name}` : node.name, kind: SymbolKind.Object, range, selectionRange: range, detail: node.resourceType });
        }
      }
      return symbols;
    }),
  );

  state.connection.onWorkspaceSymbol(
    state.guard('workspaceSymbol', (params) => {
      const query = params.query.toLowerCase();
      const out = [];
      for (const project of state.workspace.all()) {
        for (const node of project.get().project.nodes.values()) {
          if (node.resourceType === 'test' || node.resourceType === 'unit_test' || node.resourceType === 'operation' || !node.name.toLowerCase().includes(query)) continue;
          out.push({ name: node.name, kind: node.resourceType === 'source' ? SymbolKind.Interface : SymbolKind.Class, containerName: node.layer ?? node.resourceType, location: toLocation(state.lines, project.root, { file: node.file, ...(node.nameSpan ? { span: node.nameSpan } : {}) }) });
          if (out.length >= 500) return out;
        }
      }
      return out;
    }),
  );

  state.connection.onCodeLens(
    state.guard('codeLens', (params) => {
      const where = state.at(params.textDocument.uri);
      if (!where) return [];
      return lensesFor(where.project.get(), where.file).map((l) => {
        const lens = CodeLens.create(state.lines.range(where.path, l.span));
        lens.command = { title: l.title, command: l.command, arguments: l.args };
        return lens;
      });
    }),
  );

}
