// Public API of the Jinja engine: a from-scratch Jinja2 (3.1) implementation with dbt's
// block tags. Pure (no imports beyond ES builtins), never throws to its caller.

import type * as A from './ast';
import { renderTemplate, type RenderErrorInfo, type ResolvedOptions } from './interpreter';
import { parseTemplate } from './parser';

export type { Span } from './ast';
export type * as ast from './ast';
export { Kwargs, MacroReturn, Undefined, isUndefined, Namespace, HOST_MAPPING, HOST_KEY, PyFloat, pyFloat, returnFunction, CURRENT_GLOBALS } from './runtime';
export { RenderError, LoopContext, currentCallSite, type TraceFrame } from './interpreter';
export { toStr as pyStr, repr as pyRepr } from './runtime';

export interface JinjaDiagnostic {
  message: string;
  span: A.Span;
}

/** Opaque AST root (see ./ast for the node shapes). */
export type Template = A.TemplateNode;

export interface RenderOptions {
  /** jinja2 default false: remove the first newline after a block tag. */
  trimBlocks?: boolean;
  /** jinja2 default false: strip whitespace before a block tag at the start of a line. */
  lstripBlocks?: boolean;
  /** jinja2 default false: a single trailing newline of the template is dropped. */
  keepTrailingNewline?: boolean;
  /** Guard on loop iterations + calls (default 10_000_000). */
  maxSteps?: number;
  /** Guard on output size in characters (default 50_000_000). */
  maxOutputLength?: number;
  /** Guard on nested macro calls (default 250; Python's recursion limit comes first in jinja2). */
  maxDepth?: number;
  /**
   * A number in [0, 1) per call: what the `random` filter draws from (the engine has no source of
   * its own). Default: the enclosing render's, else 0 (the first item).
   */
  random?: () => number;
  /**
   * The caller reads only the render's effects and exports, not its text: the template's own
   * top-level text is not built and `output` is ''. Macro bodies, `{% set %}`/`{% filter %}`
   * blocks and recursive loops still produce the text they return. Without text kept, no
   * output limit applies (as in jinja2).
   */
  discardOutput?: boolean;
}

export interface RenderResult {
  /** Output produced (partial when `error` is set). */
  output: string;
  /** First runtime error; `span` is in the rendered template. */
  error?: JinjaDiagnostic & { stack?: A.Span[]; trace?: RenderErrorInfo['trace'] };
  /** Top-level macros (as callables) and top-level `{% set %}` names. */
  exports: Record<string, unknown>;
}

/** Tolerant parse: always returns a usable (possibly partial) AST plus syntax diagnostics. */
export function parse(source: string): { template: Template; diagnostics: JinjaDiagnostic[] } {
  const src = typeof source === 'string' ? source : String(source);
  try {
    return parseTemplate(src);
  } catch (err) {
    // Defensive: the parser is designed not to throw, but the API contract is absolute.
    const message = `internal parser error: ${err instanceof Error ? err.message : String(err)}`;
    return {
      template: { kind: 'Template', span: { start: 0, end: src.length }, source: src, body: [] },
      diagnostics: [{ message, span: { start: 0, end: 0 } }],
    };
  }
}

function resolveOptions(options: RenderOptions | undefined): ResolvedOptions {
  const opts: ResolvedOptions = {
    trimBlocks: options?.trimBlocks ?? false,
    lstripBlocks: options?.lstripBlocks ?? false,
    keepTrailingNewline: options?.keepTrailingNewline ?? false,
    maxSteps: options?.maxSteps ?? 10_000_000,
    maxOutputLength: options?.maxOutputLength ?? 50_000_000,
    maxDepth: options?.maxDepth ?? 250,
    discardOutput: options?.discardOutput ?? false,
  };
  if (options?.random) opts.random = options.random;
  return opts;
}

/**
 * Options resolved once, for a host that renders thousands of templates with the same options:
 * reading the absent fields of many option shapes on every render was measurable.
 */
export class PreparedRenderOptions {
  readonly resolved: ResolvedOptions;
  constructor(readonly options: RenderOptions) {
    this.resolved = resolveOptions(options);
  }
}

/** Render with `globals` as the outermost scope. Never throws. */
export function render(template: Template, globals: object, options?: RenderOptions | PreparedRenderOptions): RenderResult {
  const opts = options instanceof PreparedRenderOptions ? options.resolved : resolveOptions(options);
  try {
    return renderTemplate(template, globals, opts);
  } catch (err) {
    return {
      output: '',
      error: { message: `internal render error: ${err instanceof Error ? err.message : String(err)}`, span: { start: 0, end: 0 } },
      exports: {},
    };
  }
}

export type BlockKind = 'macro' | 'test' | 'materialization' | 'snapshot' | 'docs';

export interface BlockInfo {
  kind: BlockKind;
  /** Name as written in the tag (`not_null` for `{% test not_null(...) %}`). */
  name: string;
  /** Name the block is bound to at runtime (`test_not_null`, `materialization_table_default`). */
  macroName: string;
  span: A.Span;
  /** Exact span of the name token. */
  nameSpan: A.Span;
  params?: Array<{ name: string; default?: string }>;
  /** Materializations only. */
  adapter?: string;
  /** False when nested in a scope that does not export it (for loops, macros, ...). */
  topLevel: boolean;
}

/** Macro-like blocks (macro, test, materialization, snapshot, docs) defined in a template. */
export function listBlocks(template: Template): BlockInfo[] {
  const out: BlockInfo[] = [];
  const src = template.source;
  const visit = (body: readonly A.Stmt[], topLevel: boolean): void => {
    for (const st of body) {
      switch (st.kind) {
        case 'Macro': {
          const info: BlockInfo = {
            kind: st.blockKind,
            name: st.declaredName,
            macroName: st.name,
            span: st.span,
            nameSpan: st.nameSpan,
            topLevel,
          };
          if (st.blockKind === 'macro' || st.blockKind === 'test' || st.params.length) {
            info.params = st.params.map((p) =>
              p.default ? { name: p.name, default: src.slice(p.default.span.start, p.default.span.end) } : { name: p.name },
            );
          }
          if (st.adapter !== undefined) info.adapter = st.adapter;
          out.push(info);
          visit(st.body, false);
          break;
        }
        case 'Block':
          if (st.blockKind === 'snapshot') {
            out.push({ kind: 'snapshot', name: st.name, macroName: st.name, span: st.span, nameSpan: st.nameSpan, topLevel });
            visit(st.body, topLevel);
          } else visit(st.body, false);
          break;
        case 'If':
          visit(st.body, topLevel);
          for (const e of st.elifs) visit(e.body, topLevel);
          visit(st.else_, topLevel);
          break;
        case 'For':
          visit(st.body, false);
          visit(st.else_, false);
          break;
        case 'With':
        case 'SetBlock':
        case 'FilterBlock':
        case 'CallBlock':
          visit(st.body, false);
          break;
        default:
          break;
      }
    }
  };
  visit(template.body, true);
  return out;
}

/** 0-based line / UTF-16 character of an offset (LSP-style). `\r\n`, `\r` and `\n` end lines. */
export function positionAt(source: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  const end = Math.min(Math.max(0, offset), source.length);
  for (let i = 0; i < end; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: end - lineStart };
}
