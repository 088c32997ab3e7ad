// Tolerant recursive-descent parser following jinja2's grammar (jinja2/parser.py) plus
// dbt's block tags. Syntax errors become diagnostics; the parser skips to the end of the
// offending tag and continues, so callers always get a usable (partial) AST.

import type * as A from './ast';
import {
  lexInto, releaseTokenBuffer, takeTokenBuffer, TK_BLOCK_BEGIN, TK_BLOCK_END, TK_DATA, TK_EOF, TK_FLOAT, TK_INT,
  TK_NAME, TK_OP, TK_STRING, TK_VAR_BEGIN, TK_VAR_END, type DataInfo, type TokenBuffer,
} from './lexer';
import { FILTERS, TESTS } from './filters';
import { markTuple, pyFloat } from './runtime';
import { analyzeScopes } from './scopes';

export interface ParseDiagnostic {
  message: string;
  span: A.Span;
}

export interface ParseOutput {
  template: A.TemplateNode;
  diagnostics: ParseDiagnostic[];
}

/** Thrown inside the parser only; caught at tag level and turned into a diagnostic. */
class ParseError {
  constructor(readonly message: string, readonly span: A.Span) {}
}

interface SubparseResult {
  body: A.Stmt[];
  /** Name of the end tag that stopped the body (its tag name token is consumed), or null. */
  end: string | null;
}

/** Maximum nesting of expressions / blocks; deeper input gets a diagnostic instead of a stack overflow. */
const MAX_NESTING = 400;

const UNSUPPORTED_TAGS = new Set(['extends', 'include', 'import', 'from', 'autoescape', 'trans', 'pluralize']);

/** dbt filters that exist in dbt's environment but not in plain jinja2. */
const EXTRA_FILTERS = new Set(['as_bool', 'as_native', 'as_number', 'as_text']);

export function parseTemplate(source: string): ParseOutput {
  const tokens = lexInto(source, takeTokenBuffer());
  try {
    const p = new Parser(source, tokens);
    const template = p.parseTemplate();
    return { template, diagnostics: p.finishDiagnostics() };
  } finally {
    releaseTokenBuffer(tokens);
  }
}

/** Create the text of a data node for the given whitespace options. */
export function dataText(d: DataInfo, trimBlocks: boolean, lstripBlocks: boolean, keepTrailingNewline: boolean): string {
  const raw = d.raw;
  let s = 0;
  let e = raw.length;
  if (trimBlocks) s = d.trim;
  if (lstripBlocks) e -= d.lstrip;
  if (!keepTrailingNewline) e -= d.trail;
  let t = e <= s ? '' : s === 0 && e === raw.length ? raw : raw.slice(s, e);
  if (t.indexOf('\r') >= 0) t = t.replace(/\r\n?/g, '\n');
  return t;
}

class Parser {
  private readonly t: Int32Array;
  private readonly s: Int32Array;
  private readonly e: Int32Array;
  private readonly v: unknown[];
  /** Token count, EOF included (the arrays may be longer). */
  private readonly n: number;
  private readonly tokens: TokenBuffer;
  private p = 0;
  private readonly diags: ParseDiagnostic[] = [];
  /** End-tag names of the open blocks, innermost last. */
  private readonly endStack: string[][] = [];
  /** Names of the open block tags (for messages), parallel to endStack. */
  private readonly tagStack: string[] = [];
  private loopDepth = 0;
  private exprDepth = 0;
  /** Whether any filter or test expression was read (only then are their names checked). */
  private namesFilterOrTest = false;
  /**
   * How many `loop`, `caller`, `varargs` and `kwargs` names the kept tree holds so far: a block
   * uses one when its count grows while its body is read (statements that become ErrorStmt and
   * assignment targets give theirs back). Spares a walk of every loop and macro body.
   */
  /**
   * Whether a tag that opens a frame or assigns a name was read. Without one (a model of text,
   * `{{ }}`, `if` and `do`) every name resolves in the globals and scope analysis has nothing to record.
   */
  private opensFramesOrStores = false;
  private loopUses = 0;
  private callerUses = 0;
  private varargsUses = 0;
  private kwargsUses = 0;

  constructor(
    private readonly src: string,
    toks: TokenBuffer,
  ) {
    this.tokens = toks;
    this.t = toks.type;
    this.s = toks.start;
    this.e = toks.end;
    this.v = toks.value;
    this.n = toks.count;
    for (const d of toks.diagnostics) {
      this.diags.push(d);
      this.lexErrorStarts.push(d.span.start);
    }
  }

  /** Start offsets of lexer diagnostics (ascending), to invalidate tags containing them. */
  private readonly lexErrorStarts: number[] = [];

  /** The first lexer diagnostic message inside [start, end), if any. */
  private lexErrorIn(start: number, end: number): string | null {
    const a = this.lexErrorStarts;
    if (a.length === 0) return null;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    if (lo < a.length && a[lo]! < end) {
      const d = this.diags.find((x) => x.span.start === a[lo]);
      return d ? d.message : 'syntax error';
    }
    return null;
  }

  finishDiagnostics(): ParseDiagnostic[] {
    const sorted = this.diags.slice().sort((a, b) => a.span.start - b.span.start);
    const out: ParseDiagnostic[] = [];
    for (const d of sorted) {
      const last = out[out.length - 1];
      if (last && last.span.start === d.span.start && last.span.end === d.span.end) continue;
      out.push(d);
    }
    return out;
  }

  parseTemplate(): A.TemplateNode {
    const body: A.Stmt[] = [];
    // Top level: stray end tags are reported and skipped.
    for (;;) {
      const r = this.subparse([]);
      for (const st of r.body) body.push(st);
      if (this.t[this.p] === TK_EOF) break;
    }
    // Most model files use no filter or test: nothing to check then.
    if (this.namesFilterOrTest) checkUnknownFilters(body, this.diags);
    const template: A.TemplateNode = { kind: 'Template', span: { start: 0, end: this.src.length }, source: this.src, body };
    if (this.opensFramesOrStores) analyzeScopes(template);
    return template;
  }

  // ------------------------------------------------------------------ helpers

  private error(message: string, span: A.Span): void {
    this.diags.push({ message, span });
  }

  private fail(message: string, at = this.p): never {
    throw new ParseError(message, { start: this.s[at]!, end: this.e[at]! });
  }

  private spanFrom(start: number): A.Span {
    const end = this.p > 0 ? this.e[this.p - 1]! : 0;
    return { start, end: end < start ? start : end };
  }

  private isOp(op: string): boolean {
    return this.t[this.p] === TK_OP && this.v[this.p] === op;
  }

  private isName(name: string): boolean {
    return this.t[this.p] === TK_NAME && this.v[this.p] === name;
  }

  private skipOp(op: string): boolean {
    if (this.isOp(op)) {
      this.p++;
      return true;
    }
    return false;
  }

  private skipName(name: string): boolean {
    if (this.isName(name)) {
      this.p++;
      return true;
    }
    return false;
  }

  private describe(i = this.p): string {
    switch (this.t[i]) {
      case TK_EOF: return 'end of template';
      case TK_VAR_END: return 'end of print statement';
      case TK_BLOCK_END: return 'end of statement block';
      case TK_VAR_BEGIN: return 'begin of print statement';
      case TK_BLOCK_BEGIN: return 'begin of statement block';
      case TK_DATA: return 'template data';
      case TK_STRING: return 'string';
      case TK_INT: return 'integer';
      case TK_FLOAT: return 'float';
      default: return String(this.v[i]);
    }
  }

  /** Source text of a token, for "unexpected 'x'" messages. */
  private tokenText(i = this.p): string {
    const tt = this.t[i];
    if (tt === TK_EOF) return 'end of template';
    if (tt === TK_STRING || tt === TK_DATA) return this.describe(i);
    return this.src.slice(this.s[i]!, this.e[i]!);
  }

  private expectOp(op: string): void {
    if (!this.skipOp(op)) this.fail(`expected token '${op}', got '${this.describe()}'`);
  }

  private expectName(): string {
    if (this.t[this.p] !== TK_NAME) this.fail(`expected token 'name', got '${this.describe()}'`);
    return this.v[this.p++] as string;
  }

  /** Skip to just after the end of the current tag (or to the next data/tag start). */
  private skipToTagEnd(): void {
    for (;;) {
      const tt = this.t[this.p];
      if (tt === TK_BLOCK_END || tt === TK_VAR_END) {
        this.p++;
        return;
      }
      if (tt === TK_EOF || tt === TK_DATA || tt === TK_BLOCK_BEGIN || tt === TK_VAR_BEGIN) return;
      this.p++;
    }
  }

  /** `[:] %}` closing a block tag header. */
  private finishTag(): void {
    this.skipOp(':');
    if (this.t[this.p] !== TK_BLOCK_END) this.fail(`expected token 'end of statement block', got '${this.describe()}'`);
    this.p++;
  }

  /** Finish an end tag (`{% endif %}`); errors are reported, not thrown. */
  private finishEndTag(): void {
    try {
      this.finishTag();
    } catch (err) {
      this.report(err);
      this.skipToTagEnd();
    }
  }

  private report(err: unknown): void {
    this.exprDepth = 0;
    if (err instanceof ParseError) this.error(err.message, err.span);
    else throw err;
  }

  // ------------------------------------------------------------------ statements

  private subparse(endNames: readonly string[]): SubparseResult {
    const body: A.Stmt[] = [];
    const t = this.t;
    for (;;) {
      const tt = t[this.p];
      if (tt === TK_EOF) return { body, end: null };
      if (tt === TK_DATA) {
        const at = this.p;
        const raw = this.v[at] as string;
        const trimTrail = this.tokens.trimTrail[at]!;
        const trail = trimTrail >> 2;
        // The default options' text: the raw text less the template's final newline (and CRs folded).
        let text = trail === 0 ? raw : raw.slice(0, raw.length - trail);
        if (text.indexOf('\r') >= 0) text = text.replace(/\r\n?/g, '\n');
        body.push({ kind: 'Data', span: { start: this.s[at]!, end: this.e[at]! }, text, raw, trim: trimTrail & 3, lstrip: this.tokens.lstrip[at]!, trail });
        this.p++;
      } else if (tt === TK_VAR_BEGIN) {
        const loop = this.loopUses;
        const caller = this.callerUses;
        const varargs = this.varargsUses;
        const kwargs = this.kwargsUses;
        const st = this.parseOutput();
        if (st.kind === 'ErrorStmt') this.restoreUses(loop, caller, varargs, kwargs);
        body.push(st);
      } else if (tt === TK_BLOCK_BEGIN) {
        if (t[this.p + 1] === TK_NAME) {
          const name = this.v[this.p + 1] as string;
          if (endNames.includes(name)) {
            this.p += 2;
            return { body, end: name };
          }
          if ((name.startsWith('end') || name === 'elif' || name === 'else') && this.isOuterEnd(name)) return { body, end: null };
        }
        const loop = this.loopUses;
        const caller = this.callerUses;
        const varargs = this.varargsUses;
        const kwargs = this.kwargsUses;
        const st = this.parseStatement();
        if (st === null || st.kind === 'ErrorStmt') this.restoreUses(loop, caller, varargs, kwargs);
        if (st) body.push(st);
      } else {
        // Stray token outside a tag cannot normally happen; skip defensively.
        this.p++;
      }
    }
  }

  private restoreUses(loop: number, caller: number, varargs: number, kwargs: number): void {
    this.loopUses = loop;
    this.callerUses = caller;
    this.varargsUses = varargs;
    this.kwargsUses = kwargs;
  }

  private isOuterEnd(name: string): boolean {
    const st = this.endStack;
    for (let i = st.length - 2; i >= 0; i--) if (st[i]!.includes(name)) return true;
    return false;
  }

  /** Parse a block body until one of `endNames`; reports an unclosed block at `open`. */
  private body(tag: string, endNames: string[], open: A.Span): SubparseResult {
    this.endStack.push(endNames);
    this.tagStack.push(tag);
    const r = this.subparse(endNames);
    this.endStack.pop();
    this.tagStack.pop();
    if (r.end === null) {
      const looking = endNames.map((n) => `'${n}'`).join(' or ');
      if (this.t[this.p] === TK_EOF) {
        this.error(
          `Unexpected end of template. Jinja was looking for the following tags: ${looking}. The innermost block that needs to be closed is '${tag}'.`,
          open,
        );
      } else {
        const found = this.v[this.p + 1] as string;
        this.error(`Unclosed '${tag}' block: found '${found}' while looking for ${looking}.`, open);
      }
    }
    return r;
  }

  private parseOutput(): A.Stmt {
    const start = this.s[this.p]!;
    this.p++;
    try {
      const expr = this.parseTuple(false, true, null, false);
      if (this.t[this.p] !== TK_VAR_END) this.fail(`expected token 'end of print statement', got '${this.describe()}'`);
      this.p++;
      const span = this.spanFrom(start);
      // A lexer error inside the tag (bad string, stray char) invalidates it.
      const lexError = this.lexErrorIn(span.start, span.end);
      if (lexError !== null) return { kind: 'ErrorStmt', span, message: lexError };
      return { kind: 'Output', span, expr };
    } catch (err) {
      this.report(err);
      const message = err instanceof ParseError ? err.message : 'syntax error';
      this.skipToTagEnd();
      return { kind: 'ErrorStmt', span: this.spanFrom(start), message };
    }
  }

  private parseStatement(): A.Stmt | null {
    const start = this.s[this.p]!;
    const st = this.parseStatementInner();
    // A lexer error inside the tag header (bad string, stray char) invalidates the statement.
    if (st && st.kind !== 'ErrorStmt' && this.lexErrorStarts.length) {
      const headerEnd = this.tagEndAfter(start);
      const lexError = this.lexErrorIn(start, headerEnd);
      if (lexError !== null) return { kind: 'ErrorStmt', span: st.span, message: lexError };
    }
    return st;
  }

  /** End offset of the block tag starting at `start` (its `%}`), found via the token arrays. */
  private tagEndAfter(start: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.s[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.n; i++) {
      const tt = this.t[i];
      if (tt === TK_BLOCK_END || tt === TK_VAR_END) return this.e[i]!;
      if (tt === TK_EOF || (i > lo && (tt === TK_DATA || tt === TK_BLOCK_BEGIN || tt === TK_VAR_BEGIN))) return this.s[i]!;
    }
    return this.src.length;
  }

  private parseStatementInner(): A.Stmt | null {
    const start = this.s[this.p]!;
    this.p++; // {%
    if (this.t[this.p] !== TK_NAME) {
      this.error('tag name expected', { start: this.s[this.p]!, end: this.e[this.p]! });
      this.skipToTagEnd();
      return { kind: 'ErrorStmt', span: this.spanFrom(start), message: 'tag name expected' };
    }
    const name = this.v[this.p] as string;
    if (this.endStack.length >= MAX_NESTING && !name.startsWith('end')) {
      const message = 'blocks are too deeply nested';
      this.error(message, { start, end: this.tagEndAfter(start) });
      this.skipToTagEnd();
      return { kind: 'ErrorStmt', span: this.spanFrom(start), message };
    }
    if (name !== 'if' && name !== 'do' && name !== 'print' && name !== 'break' && name !== 'continue') this.opensFramesOrStores = true;
    switch (name) {
      case 'if': return this.parseIf(start);
      case 'for': return this.parseFor(start);
      case 'set': return this.parseSet(start);
      case 'macro': return this.parseMacro(start, 'macro');
      case 'test': return this.parseMacro(start, 'test');
      case 'materialization': return this.parseMacro(start, 'materialization');
      case 'docs': return this.parseMacro(start, 'docs');
      case 'call': return this.parseCallBlock(start);
      case 'filter': return this.parseFilterBlock(start);
      case 'with': return this.parseWith(start);
      case 'block':
      case 'snapshot': return this.parseBlock(start, name);
      case 'do':
      case 'print': return this.parseSimple(start, name);
      case 'break':
      case 'continue': return this.parseLoopControl(start, name);
      default: {
        const tagSpan = { start, end: this.tagEndAfter(start) };
        let message: string;
        if (UNSUPPORTED_TAGS.has(name)) {
          message = `Tag '${name}' is not supported by this engine.`;
        } else {
          message = `Encountered unknown tag '${name}'.`;
          if (this.endStack.length > 0) {
            const looking = this.endStack[this.endStack.length - 1]!.map((n) => `'${n}'`).join(' or ');
            message += ` Jinja was looking for the following tags: ${looking}. The innermost block that needs to be closed is '${this.tagStack[this.tagStack.length - 1]}'.`;
          }
        }
        this.error(message, tagSpan);
        this.skipToTagEnd();
        return { kind: 'ErrorStmt', span: this.spanFrom(start), message };
      }
    }
  }

  /**
   * Parse a block tag's header with `fn`; on a syntax error report it, skip the rest of
   * the tag and return null (the caller still parses the body so end tags stay matched).
   */
  private header<T>(fn: () => T): T | null {
    try {
      const r = fn();
      this.finishTag();
      return r;
    } catch (err) {
      this.report(err);
      this.skipToTagEnd();
      return null;
    }
  }

  private errorStmt(start: number, fallback = 'syntax error'): A.ErrorStmt {
    // The diagnostic was already recorded; reuse its message for the runtime error.
    const last = this.diags[this.diags.length - 1];
    return { kind: 'ErrorStmt', span: this.spanFrom(start), message: last ? last.message : fallback };
  }

  private parseIf(start: number): A.Stmt {
    this.p++;
    const test = this.header(() => this.parseTuple(false, false, null, false));
    let errorMessage = test ? undefined : this.diags[this.diags.length - 1]?.message;
    const open = this.spanFrom(start);
    const ends = ['elif', 'else', 'endif'];
    let r = this.body('if', ends, open);
    const node: A.IfStmt = { kind: 'If', span: open, test: test ?? errExpr(open), body: r.body, elifs: [], else_: [] };
    while (r.end !== null) {
      if (r.end === 'elif') {
        const t2 = this.header(() => this.parseTuple(false, false, null, false));
        if (!t2 && !errorMessage) errorMessage = this.diags[this.diags.length - 1]?.message;
        r = this.body('if', ends, open);
        node.elifs.push({ test: t2 ?? errExpr(open), body: r.body });
      } else if (r.end === 'else') {
        this.finishEndTag();
        r = this.body('if', ['endif'], open);
        node.else_ = r.body;
      } else {
        this.finishEndTag();
        break;
      }
    }
    node.span = this.spanFrom(start);
    if (errorMessage) return { kind: 'ErrorStmt', span: node.span, message: errorMessage };
    return node;
  }

  private parseFor(start: number): A.Stmt {
    this.p++;
    let filterUsesLoop = false;
    const head = this.header(() => {
      const target = this.parseAssignTarget(true, false, ['in'], false);
      if (!this.skipName('in')) this.fail(`expected token 'in', got '${this.describe()}'`);
      const iter = this.parseTuple(false, false, ['recursive'], false);
      const loopBefore = this.loopUses;
      const filter = this.skipName('if') ? this.parseExpression(true) : null;
      filterUsesLoop = this.loopUses > loopBefore;
      const recursive = this.skipName('recursive');
      return { target, iter, filter, recursive };
    });
    const errorMessage = head ? undefined : this.diags[this.diags.length - 1]?.message;
    const open = this.spanFrom(start);
    this.loopDepth++;
    const loopBefore = this.loopUses;
    let r = this.body('for', ['endfor', 'else'], open);
    const bodyUsesLoop = this.loopUses > loopBefore;
    this.loopDepth--;
    const body = r.body;
    let else_: A.Stmt[] = [];
    if (r.end === 'else') {
      this.finishEndTag();
      r = this.body('for', ['endfor'], open);
      else_ = r.body;
    }
    if (r.end === 'endfor') this.finishEndTag();
    const span = this.spanFrom(start);
    if (!head) return { kind: 'ErrorStmt', span, message: errorMessage ?? 'syntax error' };
    const node: A.ForStmt = { kind: 'For', span, target: head.target, iter: head.iter, filter: head.filter, recursive: head.recursive, body, else_, usesLoop: false };
    node.usesLoop = bodyUsesLoop || filterUsesLoop;
    return node;
  }

  private parseSet(start: number): A.Stmt {
    this.p++;
    try {
      const target = this.parseAssignTarget(true, false, null, true);
      if (this.skipOp('=')) {
        const value = this.parseTuple(false, true, null, false);
        this.finishTag();
        return { kind: 'Set', span: this.spanFrom(start), target, value };
      }
      const filter = this.isOp('|') ? this.parseFilter(null, false) as A.FilterExpr : null;
      this.finishTag();
      const open = this.spanFrom(start);
      const r = this.body('set', ['endset'], open);
      if (r.end !== null) this.finishEndTag();
      return { kind: 'SetBlock', span: this.spanFrom(start), target, filter, body: r.body };
    } catch (err) {
      this.report(err);
      this.skipToTagEnd();
      return this.errorStmt(start);
    }
  }

  private parseSignature(): A.Param[] {
    const params: A.Param[] = [];
    this.expectOp('(');
    let sawDefault = false;
    while (!this.isOp(')')) {
      if (params.length) this.expectOp(',');
      const ps = this.s[this.p]!;
      const name = this.expectName();
      const span = { start: ps, end: this.e[this.p - 1]! };
      let def: A.Expr | null = null;
      if (this.skipOp('=')) {
        def = this.parseExpression(true);
        sawDefault = true;
      } else if (sawDefault) {
        this.fail('non-default argument follows default argument', this.p - 1);
      }
      params.push({ name, span, default: def });
    }
    this.expectOp(')');
    return params;
  }

  private parseMacro(start: number, kind: A.MacroKind): A.Stmt {
    const tag = this.v[this.p] as string;
    this.p++;
    let nameSpan: A.Span = { start: this.s[this.p]!, end: this.e[this.p]! };
    let declaredName = '';
    let adapter: string | undefined;
    const savedLoop = this.loopDepth;
    this.loopDepth = 0;
    const caller = this.callerUses;
    const varargs = this.varargsUses;
    const kwargs = this.kwargsUses;
    const head = this.header(() => {
      nameSpan = { start: this.s[this.p]!, end: this.e[this.p]! };
      declaredName = this.expectName();
      let params: A.Param[] = [];
      if (kind === 'macro' || kind === 'test') {
        params = this.parseSignature();
      } else if (kind === 'materialization') {
        adapter = 'default';
        while (this.skipOp(',')) {
          const at = this.p;
          const opt = this.expectName();
          if (opt === 'default') continue;
          if (opt === 'adapter') {
            this.expectOp('=');
            const value = this.parseExpression(true);
            if (value.kind !== 'Const' || typeof value.value !== 'string') this.fail('materialization adapter must be a string literal', at);
            adapter = value.value as string;
          } else if (opt === 'supported_languages') {
            const span = { start: this.s[at]!, end: this.e[at]! };
            this.expectOp('=');
            params.push({ name: opt, span, default: this.parseExpression(true) });
          } else {
            this.fail(`invalid materialization config argument '${opt}'`, at);
          }
        }
      }
      return params;
    });
    const errorMessage = head ? undefined : this.diags[this.diags.length - 1]?.message;
    const open = this.spanFrom(start);
    const endName = 'end' + tag;
    const r = this.body(tag, [endName], open);
    if (r.end !== null) this.finishEndTag();
    this.loopDepth = savedLoop;
    const span = this.spanFrom(start);
    if (!head) return { kind: 'ErrorStmt', span, message: errorMessage ?? 'syntax error' };
    let name = declaredName;
    if (kind === 'test') name = 'test_' + declaredName;
    else if (kind === 'docs') name = 'docs_' + declaredName;
    else if (kind === 'materialization') name = `materialization_${declaredName}_${adapter}`;
    const node: A.MacroStmt = {
      kind: 'Macro', span, blockKind: kind, name, declaredName, nameSpan, params: head, body: r.body,
      usesCaller: this.callerUses > caller, usesVarargs: this.varargsUses > varargs, usesKwargs: this.kwargsUses > kwargs,
    };
    if (adapter !== undefined) node.adapter = adapter;
    return node;
  }

  private parseCallBlock(start: number): A.Stmt {
    this.p++;
    const head = this.header(() => {
      const params = this.isOp('(') ? this.parseSignature() : [];
      const call = this.parseExpression(true);
      if (call.kind !== 'Call') throw new ParseError('expected call', call.span);
      return { params, call };
    });
    const errorMessage = head ? undefined : this.diags[this.diags.length - 1]?.message;
    const open = this.spanFrom(start);
    const savedLoop = this.loopDepth;
    this.loopDepth = 0;
    const caller = this.callerUses;
    const varargs = this.varargsUses;
    const kwargs = this.kwargsUses;
    const r = this.body('call', ['endcall'], open);
    this.loopDepth = savedLoop;
    if (r.end !== null) this.finishEndTag();
    const span = this.spanFrom(start);
    if (!head) return { kind: 'ErrorStmt', span, message: errorMessage ?? 'syntax error' };
    return {
      kind: 'CallBlock', span, call: head.call as A.CallExpr, params: head.params, body: r.body,
      usesCaller: this.callerUses > caller, usesVarargs: this.varargsUses > varargs, usesKwargs: this.kwargsUses > kwargs,
    };
  }

  private parseFilterBlock(start: number): A.Stmt {
    this.p++;
    const filter = this.header(() => this.parseFilter(null, true) as A.FilterExpr);
    const errorMessage = filter ? undefined : this.diags[this.diags.length - 1]?.message;
    const open = this.spanFrom(start);
    const r = this.body('filter', ['endfilter'], open);
    if (r.end !== null) this.finishEndTag();
    const span = this.spanFrom(start);
    if (!filter) return { kind: 'ErrorStmt', span, message: errorMessage ?? 'syntax error' };
    return { kind: 'FilterBlock', span, filter, body: r.body };
  }

  private parseWith(start: number): A.Stmt {
    this.p++;
    const head = this.header(() => {
      const targets: A.Target[] = [];
      const values: A.Expr[] = [];
      while (this.t[this.p] !== TK_BLOCK_END && !this.isOp(':')) {
        if (targets.length) this.expectOp(',');
        targets.push(this.parseAssignTarget(true, false, null, false));
        this.expectOp('=');
        values.push(this.parseExpression(true));
      }
      return { targets, values };
    });
    const errorMessage = head ? undefined : this.diags[this.diags.length - 1]?.message;
    const open = this.spanFrom(start);
    const r = this.body('with', ['endwith'], open);
    if (r.end !== null) this.finishEndTag();
    const span = this.spanFrom(start);
    if (!head) return { kind: 'ErrorStmt', span, message: errorMessage ?? 'syntax error' };
    return { kind: 'With', span, targets: head.targets, values: head.values, body: r.body };
  }

  private parseBlock(start: number, tag: 'block' | 'snapshot'): A.Stmt {
    this.p++;
    let nameSpan: A.Span = { start: this.s[this.p]!, end: this.e[this.p]! };
    const head = this.header(() => {
      nameSpan = { start: this.s[this.p]!, end: this.e[this.p]! };
      const name = this.expectName();
      let scoped = false;
      if (tag === 'block') {
        scoped = this.skipName('scoped');
        this.skipName('required');
        if (this.isOp('-')) this.fail('Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.');
      }
      return { name, scoped };
    });
    const errorMessage = head ? undefined : this.diags[this.diags.length - 1]?.message;
    const open = this.spanFrom(start);
    const savedLoop = this.loopDepth;
    if (tag === 'block') this.loopDepth = 0;
    const r = this.body(tag, ['end' + tag], open);
    this.loopDepth = savedLoop;
    if (r.end !== null) {
      // `{% endblock name %}` may repeat the block name.
      if (tag === 'block' && this.t[this.p] === TK_NAME) {
        if (head && this.v[this.p] !== head.name) this.error(`mismatching name of block: '${String(this.v[this.p])}'`, { start: this.s[this.p]!, end: this.e[this.p]! });
        this.p++;
      }
      this.finishEndTag();
    }
    const span = this.spanFrom(start);
    if (!head) return { kind: 'ErrorStmt', span, message: errorMessage ?? 'syntax error' };
    return { kind: 'Block', span, blockKind: tag, name: head.name, nameSpan, scoped: head.scoped, body: r.body };
  }

  private parseSimple(start: number, tag: 'do' | 'print'): A.Stmt {
    this.p++;
    try {
      let expr: A.Expr;
      if (tag === 'do') {
        expr = this.parseTuple(false, true, null, false);
      } else {
        const es = this.s[this.p]!;
        const nodes: A.Expr[] = [];
        while (this.t[this.p] !== TK_BLOCK_END) {
          if (nodes.length) this.expectOp(',');
          nodes.push(this.parseExpression(true));
        }
        expr = nodes.length === 1 ? nodes[0]! : { kind: 'Concat', span: this.spanFrom(es), nodes };
      }
      this.finishTag();
      return tag === 'do' ? { kind: 'Do', span: this.spanFrom(start), expr } : { kind: 'Output', span: this.spanFrom(start), expr };
    } catch (err) {
      this.report(err);
      this.skipToTagEnd();
      return this.errorStmt(start);
    }
  }

  private parseLoopControl(start: number, tag: 'break' | 'continue'): A.Stmt {
    const at = this.p;
    this.p++;
    try {
      this.finishTag();
    } catch (err) {
      this.report(err);
      this.skipToTagEnd();
      return this.errorStmt(start);
    }
    if (this.loopDepth === 0) {
      const message = `'${tag}' outside of a loop`;
      this.error(message, { start: this.s[at]!, end: this.e[at]! });
      return { kind: 'ErrorStmt', span: this.spanFrom(start), message };
    }
    return { kind: tag === 'break' ? 'Break' : 'Continue', span: this.spanFrom(start) };
  }

  private parseAssignTarget(withTuple: boolean, nameOnly: boolean, extraEnd: string[] | null, withNamespace: boolean): A.Target {
    const loop = this.loopUses;
    const caller = this.callerUses;
    const varargs = this.varargsUses;
    const kwargs = this.kwargsUses;
    try {
      return this.parseAssignTargetInner(withTuple, nameOnly, extraEnd, withNamespace);
    } finally {
      // A target stores its names; only the names a tree reads count as uses.
      this.restoreUses(loop, caller, varargs, kwargs);
    }
  }

  private parseAssignTargetInner(withTuple: boolean, nameOnly: boolean, extraEnd: string[] | null, withNamespace: boolean): A.Target {
    const start = this.s[this.p]!;
    if (withNamespace && this.t[this.p] === TK_NAME && this.t[this.p + 1] === TK_OP && this.v[this.p + 1] === '.') {
      const name = this.v[this.p] as string;
      this.p += 2;
      const attr = this.expectName();
      return { kind: 'NSRef', span: this.spanFrom(start), name, attr };
    }
    let target: A.Expr;
    if (nameOnly) {
      const name = this.expectName();
      target = { kind: 'Name', span: this.spanFrom(start), name };
    } else if (withTuple) {
      target = this.parseTuple(true, true, extraEnd, false);
    } else {
      target = this.parsePrimary();
    }
    if (!canAssign(target)) throw new ParseError(`can't assign to '${target.kind.toLowerCase()}'`, target.span);
    return target as A.Target;
  }

  // ------------------------------------------------------------------ expressions

  private parseExpression(withCondexpr: boolean): A.Expr {
    // Guard against pathological nesting (stack overflow); reset by report().
    if (++this.exprDepth > MAX_NESTING) {
      this.exprDepth = 0;
      this.fail('expression is too deeply nested');
    }
    const e = this.parseLoneOperand() ?? (withCondexpr ? this.parseCondexpr() : this.parseOr());
    this.exprDepth--;
    return e;
  }

  /**
   * Most expressions are one operand (`'x'`, `ref('x')`, `a.b[c]`) that ends the tag or an argument:
   * read it without descending the dozen precedence levels (the parser mostly runs before the JIT
   * has optimized it, where each call costs). When an operator follows, the operand is kept for
   * parseUnary, which the full descent reaches first, at the same token, without consuming any.
   */
  private parseLoneOperand(): A.Expr | null {
    const at = this.p;
    const tt = this.t[at];
    if (tt === TK_NAME ? this.v[at] === 'not' : tt !== TK_STRING && tt !== TK_INT && tt !== TK_FLOAT) return null;
    const node = this.parsePostfix(this.parsePrimary());
    const next = this.t[this.p];
    if (next === TK_VAR_END || next === TK_BLOCK_END) return node;
    if (next === TK_OP) {
      const op = this.v[this.p];
      if (op === ',' || op === ')' || op === ']' || op === '}' || op === ':' || op === '=') return node;
    }
    this.operandAt = at;
    this.operand = node;
    this.operandEnd = this.p;
    this.p = at;
    return null;
  }

  /** The operand parseLoneOperand read at token `operandAt` (-1: none), ending before token `operandEnd`. */
  private operandAt = -1;
  private operand: A.Expr | null = null;
  private operandEnd = 0;

  private parseCondexpr(): A.Expr {
    const start = this.s[this.p]!;
    let expr1 = this.parseOr();
    while (this.skipName('if')) {
      const test = this.parseOr();
      const expr2 = this.skipName('else') ? this.parseCondexpr() : null;
      expr1 = { kind: 'CondExpr', span: this.spanFrom(start), test, expr1, expr2 };
    }
    return expr1;
  }

  private parseOr(): A.Expr {
    const start = this.s[this.p]!;
    let left = this.parseAnd();
    while (this.skipName('or')) {
      const right = this.parseAnd();
      left = { kind: 'Or', span: this.spanFrom(start), left, right };
    }
    return left;
  }

  private parseAnd(): A.Expr {
    const start = this.s[this.p]!;
    let left = this.parseNot();
    while (this.skipName('and')) {
      const right = this.parseNot();
      left = { kind: 'And', span: this.spanFrom(start), left, right };
    }
    return left;
  }

  private parseNot(): A.Expr {
    if (this.isName('not')) {
      const start = this.s[this.p]!;
      this.p++;
      const operand = this.parseNot();
      return { kind: 'Unary', span: this.spanFrom(start), op: 'not', operand };
    }
    return this.parseCompare();
  }

  private parseCompare(): A.Expr {
    const start = this.s[this.p]!;
    const expr = this.parseMath1();
    let ops: Array<{ op: A.CompareOp; expr: A.Expr }> | null = null;
    for (;;) {
      let op: A.CompareOp;
      const tt = this.t[this.p];
      const tv = this.v[this.p];
      if (tt === TK_OP && (tv === '==' || tv === '!=' || tv === '<' || tv === '<=' || tv === '>' || tv === '>=')) {
        op = tv as A.CompareOp;
        this.p++;
      } else if (tt === TK_NAME && tv === 'in') {
        op = 'in';
        this.p++;
      } else if (tt === TK_NAME && tv === 'not' && this.t[this.p + 1] === TK_NAME && this.v[this.p + 1] === 'in') {
        op = 'notin';
        this.p += 2;
      } else {
        break;
      }
      (ops ??= []).push({ op, expr: this.parseMath1() });
    }
    if (!ops) return expr;
    return { kind: 'Compare', span: this.spanFrom(start), expr, ops };
  }

  private parseMath1(): A.Expr {
    const start = this.s[this.p]!;
    let left = this.parseConcat();
    while (this.t[this.p] === TK_OP && (this.v[this.p] === '+' || this.v[this.p] === '-')) {
      const op = this.v[this.p++] as A.BinaryOp;
      const right = this.parseConcat();
      left = { kind: 'BinOp', span: this.spanFrom(start), op, left, right };
    }
    return left;
  }

  private parseConcat(): A.Expr {
    const start = this.s[this.p]!;
    const first = this.parseMath2();
    if (!this.isOp('~')) return first;
    const nodes = [first];
    while (this.skipOp('~')) nodes.push(this.parseMath2());
    return { kind: 'Concat', span: this.spanFrom(start), nodes };
  }

  private parseMath2(): A.Expr {
    const start = this.s[this.p]!;
    let left = this.parsePow();
    for (;;) {
      if (this.t[this.p] !== TK_OP) break;
      const op = this.v[this.p];
      if (op !== '*' && op !== '/' && op !== '//' && op !== '%') break;
      this.p++;
      const right = this.parsePow();
      left = { kind: 'BinOp', span: this.spanFrom(start), op: op as A.BinaryOp, left, right };
    }
    return left;
  }

  private parsePow(): A.Expr {
    const start = this.s[this.p]!;
    let left = this.parseUnary(true);
    while (this.skipOp('**')) {
      const right = this.parseUnary(true);
      left = { kind: 'BinOp', span: this.spanFrom(start), op: '**', left, right };
    }
    return left;
  }

  private parseUnary(withFilter: boolean): A.Expr {
    const start = this.s[this.p]!;
    let node: A.Expr;
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.v[this.p++] as '-' | '+';
      const operand = this.parseUnary(false);
      node = { kind: 'Unary', span: this.spanFrom(start), op, operand };
    } else if (this.operandAt === this.p) {
      node = this.operand!;
      this.p = this.operandEnd;
      this.operandAt = -1;
      this.operand = null;
    } else {
      node = this.parsePrimary();
    }
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(): A.Expr {
    const start = this.s[this.p]!;
    const tt = this.t[this.p];
    if (tt === TK_NAME) {
      const name = this.v[this.p++] as string;
      const span = this.spanFrom(start);
      switch (name) {
        case 'true':
        case 'True': return { kind: 'Const', span, value: true };
        case 'false':
        case 'False': return { kind: 'Const', span, value: false };
        case 'none':
        case 'None': return { kind: 'Const', span, value: null };
        case 'loop': this.loopUses++; break;
        case 'caller': this.callerUses++; break;
        case 'varargs': this.varargsUses++; break;
        case 'kwargs': this.kwargsUses++; break;
        default: break;
      }
      return { kind: 'Name', span, name };
    }
    if (tt === TK_STRING) {
      let value = this.v[this.p++] as string;
      while (this.t[this.p] === TK_STRING) value += this.v[this.p++] as string;
      return { kind: 'Const', span: this.spanFrom(start), value };
    }
    if (tt === TK_INT || tt === TK_FLOAT) {
      const raw = this.v[this.p++] as number;
      // A float literal stays a float when its value is integral (0.0 prints as 0.0).
      const value = tt === TK_FLOAT ? pyFloat(raw) : raw;
      return { kind: 'Const', span: this.spanFrom(start), value };
    }
    if (tt === TK_OP) {
      const op = this.v[this.p];
      if (op === '(') {
        this.p++;
        const node = this.parseTuple(false, true, null, true);
        this.expectOp(')');
        if (node.kind === 'Tuple') node.span = this.spanFrom(start);
        return node;
      }
      if (op === '[') return this.parseList();
      if (op === '{') return this.parseDict();
    }
    this.fail(`unexpected '${this.tokenText()}'`);
  }

  private parseTuple(simplified: boolean, withCondexpr: boolean, extraEnd: string[] | null, explicitParens: boolean): A.Expr {
    const start = this.s[this.p]!;
    // Most are one expression and no tuple: that one is returned without building a list.
    if (!this.isTupleEnd(extraEnd)) {
      const first = simplified ? this.parsePrimary() : this.parseExpression(withCondexpr);
      if (!this.isOp(',')) return first;
      return this.parseTupleRest(start, [first], simplified, withCondexpr, extraEnd);
    }
    if (!explicitParens) this.fail(`Expected an expression, got '${this.describe()}'`);
    return constFoldTuple({ kind: 'Tuple', span: this.spanFrom(start), items: [] });
  }

  /** The items after a tuple's first (the current token is the comma after it). */
  private parseTupleRest(start: number, items: A.Expr[], simplified: boolean, withCondexpr: boolean, extraEnd: string[] | null): A.Expr {
    while (this.skipOp(',')) {
      if (this.isTupleEnd(extraEnd)) break;
      items.push(simplified ? this.parsePrimary() : this.parseExpression(withCondexpr));
    }
    return constFoldTuple({ kind: 'Tuple', span: this.spanFrom(start), items });
  }

  private isTupleEnd(extraEnd: string[] | null): boolean {
    const tt = this.t[this.p];
    if (tt === TK_VAR_END || tt === TK_BLOCK_END || tt === TK_EOF) return true;
    if (tt === TK_OP && this.v[this.p] === ')') return true;
    if (extraEnd && tt === TK_NAME && extraEnd.includes(this.v[this.p] as string)) return true;
    return false;
  }

  private parseList(): A.Expr {
    const start = this.s[this.p]!;
    this.p++;
    const items: A.Expr[] = [];
    while (!this.isOp(']')) {
      if (items.length) this.expectOp(',');
      if (this.isOp(']')) break;
      items.push(this.parseExpression(true));
    }
    this.expectOp(']');
    return { kind: 'List', span: this.spanFrom(start), items };
  }

  private parseDict(): A.Expr {
    const start = this.s[this.p]!;
    this.p++;
    const items: Array<{ key: A.Expr; value: A.Expr }> = [];
    while (!this.isOp('}')) {
      if (items.length) this.expectOp(',');
      if (this.isOp('}')) break;
      const key = this.parseExpression(true);
      this.expectOp(':');
      const value = this.parseExpression(true);
      items.push({ key, value });
    }
    this.expectOp('}');
    return { kind: 'Dict', span: this.spanFrom(start), items };
  }

  private parsePostfix(node: A.Expr): A.Expr {
    for (;;) {
      if (this.t[this.p] !== TK_OP) return node;
      const op = this.v[this.p];
      if (op === '.' || op === '[') node = this.parseSubscript(node);
      else if (op === '(') node = this.parseCall(node);
      else return node;
    }
  }

  private parseFilterExpr(node: A.Expr): A.Expr {
    for (;;) {
      if (this.isOp('|')) node = this.parseFilter(node, false) as A.Expr;
      else if (this.isName('is')) node = this.parseTest(node);
      else if (this.isOp('(')) node = this.parseCall(node);
      else return node;
    }
  }

  private parseSubscript(node: A.Expr): A.Expr {
    const start = node.span.start;
    if (this.skipOp('.')) {
      const at = this.p;
      const tt = this.t[at];
      if (tt === TK_NAME) {
        this.p++;
        return { kind: 'Getattr', span: this.spanFrom(start), obj: node, attr: this.v[at] as string, attrSpan: { start: this.s[at]!, end: this.e[at]! } };
      }
      if (tt !== TK_INT) this.fail('expected name or number');
      this.p++;
      const index: A.Expr = { kind: 'Const', span: { start: this.s[at]!, end: this.e[at]! }, value: this.v[at] };
      return { kind: 'Getitem', span: this.spanFrom(start), obj: node, index };
    }
    this.p++; // [
    const bs = this.s[this.p - 1]!;
    const args: A.Expr[] = [];
    while (!this.isOp(']')) {
      if (args.length) this.expectOp(',');
      args.push(this.parseSubscribed());
    }
    this.expectOp(']');
    const index: A.Expr = args.length === 1 ? args[0]! : { kind: 'Tuple', span: this.spanFrom(bs), items: args };
    return { kind: 'Getitem', span: this.spanFrom(start), obj: node, index };
  }

  private parseSubscribed(): A.Expr {
    const start = this.s[this.p]!;
    let first: A.Expr | null = null;
    if (this.isOp(':')) {
      this.p++;
    } else {
      const node = this.parseExpression(true);
      if (!this.isOp(':')) return node;
      this.p++;
      first = node;
    }
    let stop: A.Expr | null = null;
    if (!this.isOp(':') && !this.isOp(']') && !this.isOp(',')) stop = this.parseExpression(true);
    let step: A.Expr | null = null;
    if (this.skipOp(':')) {
      if (!this.isOp(']') && !this.isOp(',')) step = this.parseExpression(true);
    }
    return { kind: 'Slice', span: this.spanFrom(start), start: first, stop, step };
  }

  /** The arguments of a call, filter or test, read into `into` (a node being built). */
  private parseCallArgs<T extends A.CallArgs>(into: T): T {
    const open = this.p;
    this.expectOp('(');
    let args: A.Expr[] | null = null;
    let kwargs: A.Keyword[] | null = null;
    let dynArgs: A.Expr | null = null;
    let dynKwargs: A.Expr | null = null;
    let requireComma = false;
    while (!this.isOp(')')) {
      if (requireComma) {
        const tt = this.t[this.p];
        if (tt === TK_EOF || tt === TK_VAR_END || tt === TK_BLOCK_END) this.fail(`unexpected '${this.tokenText()}', expected ')'`);
        this.expectOp(',');
        if (this.isOp(')')) break;
      }
      if (this.t[this.p] === TK_EOF || this.t[this.p] === TK_VAR_END || this.t[this.p] === TK_BLOCK_END) {
        this.fail(`unexpected '${this.tokenText()}', expected ')'`);
      }
      if (this.skipOp('*')) {
        if (dynArgs !== null || dynKwargs !== null) this.failCallSyntax(open);
        dynArgs = this.parseExpression(true);
      } else if (this.skipOp('**')) {
        if (dynKwargs !== null) this.failCallSyntax(open);
        dynKwargs = this.parseExpression(true);
      } else if (this.t[this.p] === TK_NAME && this.t[this.p + 1] === TK_OP && this.v[this.p + 1] === '=') {
        if (dynKwargs !== null) this.failCallSyntax(open);
        const ks = this.s[this.p]!;
        const name = this.v[this.p] as string;
        this.p += 2;
        const value = this.parseExpression(true);
        (kwargs ??= []).push({ name, value, span: this.spanFrom(ks) });
      } else {
        if (dynArgs !== null || dynKwargs !== null || kwargs !== null) this.failCallSyntax(open);
        (args ??= []).push(this.parseExpression(true));
      }
      requireComma = true;
    }
    this.expectOp(')');
    into.args = args ?? [];
    into.kwargs = kwargs ?? NO_KWARGS;
    into.dynArgs = dynArgs;
    into.dynKwargs = dynKwargs;
    return into;
  }

  private failCallSyntax(open: number): never {
    this.fail('invalid syntax for function call expression', open);
  }

  private parseCall(node: A.Expr): A.Expr {
    const call: A.CallExpr = { kind: 'Call', span: node.span, fn: node, args: NO_ARGS, kwargs: NO_KWARGS, dynArgs: null, dynKwargs: null };
    this.parseCallArgs(call);
    call.span = this.spanFrom(node.span.start);
    return call;
  }

  private parseFilter(node: A.Expr | null, startInline: boolean): A.Expr | A.FilterExpr {
    let cur: A.Expr | A.FilterExpr | null = node;
    while (this.isOp('|') || startInline) {
      if (!startInline) this.p++;
      startInline = false;
      const ns = this.s[this.p]!;
      let name = this.expectName();
      while (this.skipOp('.')) name += '.' + this.expectName();
      const nameSpan = this.spanFrom(ns);
      const filter: A.FilterExpr = { kind: 'Filter', span: nameSpan, node: cur, name, nameSpan, args: [], kwargs: NO_KWARGS, dynArgs: null, dynKwargs: null };
      if (this.isOp('(')) this.parseCallArgs(filter);
      filter.span = this.spanFrom(cur ? cur.span.start : ns);
      cur = filter;
      this.namesFilterOrTest = true;
    }
    return cur!;
  }

  private parseTest(node: A.Expr): A.Expr {
    const start = node.span.start;
    this.p++; // is
    const negated = this.skipName('not');
    const ns = this.s[this.p]!;
    let name = this.expectName();
    while (this.skipOp('.')) name += '.' + this.expectName();
    const nameSpan = this.spanFrom(ns);
    const test: A.TestExpr = { kind: 'Test', span: nameSpan, node, name, nameSpan, args: [], kwargs: NO_KWARGS, dynArgs: null, dynKwargs: null };
    const tt = this.t[this.p];
    if (this.isOp('(')) {
      this.parseCallArgs(test);
    } else if (
      (tt === TK_NAME || tt === TK_STRING || tt === TK_INT || tt === TK_FLOAT || this.isOp('[') || this.isOp('{')) &&
      !this.isName('else') && !this.isName('or') && !this.isName('and')
    ) {
      if (this.isName('is')) this.fail('You cannot chain multiple tests with is');
      test.args = [this.parsePostfix(this.parsePrimary())];
    }
    test.span = this.spanFrom(start);
    this.namesFilterOrTest = true;
    if (negated) return { kind: 'Unary', span: this.spanFrom(start), op: 'not', operand: test };
    return test;
  }
}

/** A call node's arguments before parseCallArgs reads them. */
const NO_ARGS: A.Expr[] = [];
/** Most calls have no keyword arguments: they share one list, frozen as nothing mutates a tree. */
const NO_KWARGS = Object.freeze([]) as unknown as A.Keyword[];

function errExpr(span: A.Span): A.ErrorExpr {
  return { kind: 'Error', span, message: 'syntax error' };
}

function canAssign(node: A.Expr): boolean {
  if (node.kind === 'Name') return true;
  if (node.kind === 'NSRef') return true;
  if (node.kind === 'Tuple') return node.items.every(canAssign);
  return false;
}

/** Tuples of constants are immutable, so evaluate them once at parse time (`x in ('a', 'b')`). */
function constFoldTuple(node: A.TupleExpr): A.Expr {
  if (node.items.length === 0 || !node.items.every((i) => i.kind === 'Const')) return node;
  const value = markTuple(node.items.map((i) => (i as A.ConstExpr).value));
  Object.freeze(value);
  return { kind: 'Const', span: node.span, value };
}

/**
 * jinja2 rejects unknown filters/tests at compile time, except inside `if` statements and
 * conditional expressions of the same frame ("soft" frames), where the check happens only
 * when the filter actually runs. Mirror that so templates fail in the same situations.
 */
function checkUnknownFilters(root: readonly A.Stmt[], diags: ParseDiagnostic[]): void {
  const expr = (e: A.Expr | null, soft: boolean): void => {
    if (!e) return;
    switch (e.kind) {
      case 'Filter':
        if (!soft && !FILTERS.has(e.name) && !EXTRA_FILTERS.has(e.name)) diags.push({ message: `No filter named '${e.name}'.`, span: e.nameSpan });
        expr(e.node, soft);
        args(e, soft);
        return;
      case 'Test':
        if (!soft && !TESTS.has(e.name)) diags.push({ message: `No test named '${e.name}'.`, span: e.nameSpan });
        expr(e.node, soft);
        args(e, soft);
        return;
      case 'CondExpr':
        expr(e.test, true);
        expr(e.expr1, true);
        expr(e.expr2, true);
        return;
      case 'Getattr': expr(e.obj, soft); return;
      case 'Getitem': expr(e.obj, soft); expr(e.index, soft); return;
      case 'Slice': expr(e.start, soft); expr(e.stop, soft); expr(e.step, soft); return;
      case 'Call': expr(e.fn, soft); args(e, soft); return;
      case 'BinOp':
      case 'And':
      case 'Or': expr(e.left, soft); expr(e.right, soft); return;
      case 'Unary': expr(e.operand, soft); return;
      case 'Compare': expr(e.expr, soft); for (const o of e.ops) expr(o.expr, soft); return;
      case 'Concat': for (const n of e.nodes) expr(n, soft); return;
      case 'List':
      case 'Tuple': for (const n of e.items) expr(n, soft); return;
      case 'Dict': for (const it of e.items) { expr(it.key, soft); expr(it.value, soft); } return;
      default: return;
    }
  };
  const args = (a: A.CallArgs, soft: boolean): void => {
    for (const x of a.args) expr(x, soft);
    for (const k of a.kwargs) expr(k.value, soft);
    expr(a.dynArgs, soft);
    expr(a.dynKwargs, soft);
  };
  const params = (ps: A.Param[]): void => {
    for (const p of ps) expr(p.default, false);
  };
  const stmts = (body: readonly A.Stmt[], soft: boolean): void => {
    for (const st of body) {
      switch (st.kind) {
        case 'Output':
        case 'Do': expr(st.expr, soft); break;
        case 'Set': expr(st.value, soft); break;
        case 'If':
          expr(st.test, true);
          stmts(st.body, true);
          for (const e of st.elifs) {
            expr(e.test, true);
            stmts(e.body, true);
          }
          stmts(st.else_, true);
          break;
        case 'For':
          expr(st.iter, soft);
          expr(st.filter, false);
          stmts(st.body, false);
          stmts(st.else_, false);
          break;
        case 'SetBlock':
          expr(st.filter, false);
          stmts(st.body, false);
          break;
        case 'Macro':
          params(st.params);
          stmts(st.body, false);
          break;
        case 'CallBlock':
          expr(st.call, soft);
          params(st.params);
          stmts(st.body, false);
          break;
        case 'FilterBlock':
          expr(st.filter, false);
          stmts(st.body, false);
          break;
        case 'With':
          for (const v of st.values) expr(v, soft);
          stmts(st.body, false);
          break;
        case 'Block':
          stmts(st.body, st.blockKind === 'snapshot' ? soft : false);
          break;
        default:
          break;
      }
    }
  };
  stmts(root, false);
}
