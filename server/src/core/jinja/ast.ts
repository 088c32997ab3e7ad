// AST for the Jinja engine. Every node carries a `span` of UTF-16 offsets into the
// template source so the editor can map diagnostics and definitions exactly.

export interface Span {
  start: number;
  end: number;
}

// ---------------------------------------------------------------- expressions

export interface ConstExpr { kind: 'Const'; span: Span; value: unknown }
export interface NameExpr { kind: 'Name'; span: Span; name: string }
export interface GetattrExpr { kind: 'Getattr'; span: Span; obj: Expr; attr: string; attrSpan: Span }
export interface GetitemExpr { kind: 'Getitem'; span: Span; obj: Expr; index: Expr }
export interface SliceExpr { kind: 'Slice'; span: Span; start: Expr | null; stop: Expr | null; step: Expr | null }
export interface Keyword { name: string; value: Expr; span: Span }
/** Shared shape of everything that takes call arguments. */
export interface CallArgs {
  args: Expr[];
  kwargs: Keyword[];
  dynArgs: Expr | null;
  dynKwargs: Expr | null;
}
export interface CallExpr extends CallArgs { kind: 'Call'; span: Span; fn: Expr }
export interface FilterExpr extends CallArgs {
  kind: 'Filter';
  span: Span;
  /** null only inside `{% filter %}` / `{% set x | f %}` blocks (the block body is the input). */
  node: Expr | null;
  name: string;
  nameSpan: Span;
}
export interface TestExpr extends CallArgs { kind: 'Test'; span: Span; node: Expr; name: string; nameSpan: Span }
export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';
export interface BinOpExpr { kind: 'BinOp'; span: Span; op: BinaryOp; left: Expr; right: Expr }
export interface UnaryExpr { kind: 'Unary'; span: Span; op: '-' | '+' | 'not'; operand: Expr }
export interface AndExpr { kind: 'And'; span: Span; left: Expr; right: Expr }
export interface OrExpr { kind: 'Or'; span: Span; left: Expr; right: Expr }
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'notin';
export interface CompareExpr { kind: 'Compare'; span: Span; expr: Expr; ops: Array<{ op: CompareOp; expr: Expr }> }
export interface ConcatExpr { kind: 'Concat'; span: Span; nodes: Expr[] }
export interface CondExpr { kind: 'CondExpr'; span: Span; test: Expr; expr1: Expr; expr2: Expr | null }
export interface ListExpr { kind: 'List'; span: Span; items: Expr[] }
export interface TupleExpr { kind: 'Tuple'; span: Span; items: Expr[] }
export interface DictExpr { kind: 'Dict'; span: Span; items: Array<{ key: Expr; value: Expr }> }
/** `ns.attr` as an assignment target of `{% set %}`. */
export interface NSRefExpr { kind: 'NSRef'; span: Span; name: string; attr: string }
/** Placeholder for an expression that failed to parse; evaluating it is a runtime error. */
export interface ErrorExpr { kind: 'Error'; span: Span; message: string }

export type Expr =
  | ConstExpr | NameExpr | GetattrExpr | GetitemExpr | SliceExpr | CallExpr | FilterExpr | TestExpr
  | BinOpExpr | UnaryExpr | AndExpr | OrExpr | CompareExpr | ConcatExpr | CondExpr | ListExpr
  | TupleExpr | DictExpr | NSRefExpr | ErrorExpr;

/** Assignment targets: a name, `ns.attr`, or (nested) tuples of names. */
export type Target = NameExpr | NSRefExpr | TupleExpr;

// ---------------------------------------------------------------- statements

/**
 * Literal template text. `text` is the output for the default whitespace options; the
 * other fields let the renderer apply trim_blocks / lstrip_blocks / keep_trailing_newline
 * without re-parsing (the parse API takes no options).
 */
export interface DataStmt {
  kind: 'Data';
  span: Span;
  text: string;
  /** Raw source slice (after `-` whitespace control). */
  raw: string;
  /** Length of a leading newline removable by trim_blocks (0 if none). */
  trim: number;
  /** Length of trailing indentation removable by lstrip_blocks (0 if none). */
  lstrip: number;
  /** Length of the template's final newline inside this node (0 if none). */
  trail: number;
}
export interface OutputStmt { kind: 'Output'; span: Span; expr: Expr }
export interface IfStmt {
  kind: 'If';
  span: Span;
  test: Expr;
  body: Stmt[];
  elifs: Array<{ test: Expr; body: Stmt[] }>;
  else_: Stmt[];
}
export interface ForStmt {
  kind: 'For';
  span: Span;
  target: Target;
  iter: Expr;
  filter: Expr | null;
  recursive: boolean;
  body: Stmt[];
  else_: Stmt[];
  /** Whether the body references `loop` (lets the renderer skip building loop contexts). */
  usesLoop: boolean;
  /** See TemplateNode.missingAtStart; for the loop body / else frames. */
  bodyMissingAtStart?: string[];
  elseMissingAtStart?: string[];
}
export interface SetStmt { kind: 'Set'; span: Span; target: Target; value: Expr }
export interface SetBlockStmt { kind: 'SetBlock'; span: Span; target: Target; filter: FilterExpr | null; body: Stmt[]; missingAtStart?: string[] }
export interface Param { name: string; span: Span; default: Expr | null }
export type MacroKind = 'macro' | 'test' | 'materialization' | 'docs';
export interface MacroStmt {
  kind: 'Macro';
  span: Span;
  blockKind: MacroKind;
  /** Name the macro is bound to (e.g. `test_not_null`, `materialization_table_default`). */
  name: string;
  /** Name as written in the tag (e.g. `not_null`, `table`). */
  declaredName: string;
  nameSpan: Span;
  adapter?: string;
  params: Param[];
  body: Stmt[];
  usesCaller: boolean;
  usesVarargs: boolean;
  usesKwargs: boolean;
  missingAtStart?: string[];
}
export interface CallBlockStmt {
  kind: 'CallBlock';
  span: Span;
  call: CallExpr;
  params: Param[];
  body: Stmt[];
  usesCaller: boolean;
  usesVarargs: boolean;
  usesKwargs: boolean;
  missingAtStart?: string[];
}
export interface FilterBlockStmt { kind: 'FilterBlock'; span: Span; filter: FilterExpr; body: Stmt[]; missingAtStart?: string[] }
export interface WithStmt { kind: 'With'; span: Span; targets: Target[]; values: Expr[]; body: Stmt[]; missingAtStart?: string[] }
export interface DoStmt { kind: 'Do'; span: Span; expr: Expr }
/** `{% block %}` rendered in place (no inheritance support), and dbt's `{% snapshot %}`. */
export interface BlockStmt { kind: 'Block'; span: Span; blockKind: 'block' | 'snapshot'; name: string; nameSpan: Span; scoped: boolean; body: Stmt[]; missingAtStart?: string[] }
export interface LoopControlStmt { kind: 'Break' | 'Continue'; span: Span }
/** A statement that failed to parse; executing it is a runtime error (the valid prefix still renders). */
export interface ErrorStmt { kind: 'ErrorStmt'; span: Span; message: string }

export type Stmt =
  | DataStmt | OutputStmt | IfStmt | ForStmt | SetStmt | SetBlockStmt | MacroStmt | CallBlockStmt
  | FilterBlockStmt | WithStmt | DoStmt | BlockStmt | LoopControlStmt | ErrorStmt;

export interface TemplateNode {
  kind: 'Template';
  span: Span;
  source: string;
  body: Stmt[];
  /**
   * Names assigned in this frame that start out "missing" rather than resolving to a global
   * (jinja2 compiles frames to Python locals; see scopes.ts). Set by the parser.
   */
  missingAtStart?: string[];
}
