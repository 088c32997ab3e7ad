// Static scope analysis mirroring jinja2's idtracking (FrameSymbolVisitor / Symbols).
//
// jinja2 compiles every frame (template root, loop body, macro, call/filter/set block, ...)
// to Python locals. A name stored anywhere in a frame is a local of that frame for the
// whole frame, so nested frames that read it before the assignment see "missing"
// (-> Undefined) instead of the global of the same name. Whether the frame itself sees the
// global before its first assignment depends on the order of loads and stores (and on
// whether the store is conditional). This pass computes, per frame, the names that start
// out "missing"; the renderer pre-seeds them so lookups stop there.

import type * as A from './ast';

type Load = 'param' | 'resolve' | 'undefined' | 'alias';

/**
 * Symbol table of one frame. Branches (`if` bodies) are overlays on their base instead of
 * copies, which keeps this pass cheap for templates with many ifs.
 */
class Symbols {
  private refs: Map<string, Load> | null = null;
  private stores: Set<string> | null = null;
  constructor(readonly parentKnows: (name: string) => boolean, private readonly base: Symbols | null = null) {}

  /** A snapshot to analyze one branch of an `if` (jinja2's Symbols.copy()). */
  branch(): Symbols {
    return new Symbols(this.parentKnows, this);
  }

  private hasRef(name: string): boolean {
    for (let s: Symbols | null = this; s !== null; s = s.base) if (s.refs !== null && s.refs.has(name)) return true;
    return false;
  }

  private hasStore(name: string): boolean {
    for (let s: Symbols | null = this; s !== null; s = s.base) if (s.stores !== null && s.stores.has(name)) return true;
    return false;
  }

  private setRef(name: string, load: Load): void {
    (this.refs ??= new Map()).set(name, load);
  }

  knows(name: string): boolean {
    return this.hasRef(name) || this.parentKnows(name);
  }

  load(name: string): void {
    if (!this.knows(name)) this.setRef(name, 'resolve');
  }

  store(name: string): void {
    (this.stores ??= new Set()).add(name);
    if (!this.hasRef(name)) this.setRef(name, this.parentKnows(name) ? 'alias' : 'undefined');
  }

  param(name: string): void {
    (this.stores ??= new Set()).add(name);
    this.setRef(name, 'param');
  }

  /** Merge branches of this frame; names stored in only some of them fall back to the outer value. */
  branchUpdate(branches: Symbols[]): void {
    const counts = new Map<string, number>();
    for (const b of branches) {
      if (b.stores === null) continue;
      for (const t of b.stores) {
        if (this.hasStore(t)) continue;
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
    }
    for (const b of branches) {
      if (b.refs !== null) for (const [k, v] of b.refs) this.setRef(k, v);
      if (b.stores !== null) for (const t of b.stores) (this.stores ??= new Set()).add(t);
    }
    for (const [name, count] of counts) {
      if (count === branches.length) continue;
      this.setRef(name, this.parentKnows(name) ? 'alias' : 'resolve');
    }
  }

  missingAtStart(): string[] {
    const out: string[] = [];
    if (this.refs !== null) for (const [k, v] of this.refs) if (v === 'undefined') out.push(k);
    return out;
  }
}

/** A nested frame found while visiting its parent; analyzed once the parent is complete. */
interface PendingFrame {
  body: readonly A.Stmt[];
  params: string[];
  /** Stored before the body runs (with-targets). */
  prestores: string[];
  /** Extra expressions evaluated inside the frame (macro defaults, loop filter). */
  exprs: Array<A.Expr | null>;
  assign: (names: string[]) => void;
}

function targetNames(t: A.Expr, out: string[]): string[] {
  if (t.kind === 'Name') out.push(t.name);
  else if (t.kind === 'Tuple') for (const i of t.items) targetNames(i, out);
  return out;
}

/** Annotate `template` in place with the names each frame starts out with as "missing". */
export function analyzeScopes(template: A.TemplateNode): void {
  // Only an assignment makes a name start out missing: without one nothing is recorded.
  if (!assignsIn(template.body)) return;
  const root = new Symbols(() => false);
  const pending: PendingFrame[] = [];
  visitBody(template.body, root, pending);
  const init = root.missingAtStart();
  if (init.length) template.missingAtStart = init;
  drain(pending, root);
}

function drain(pending: PendingFrame[], parent: Symbols): void {
  for (const f of pending) {
    const sym = new Symbols((n) => parent.knows(n));
    for (const p of f.params) sym.param(p);
    for (const p of f.prestores) sym.store(p);
    for (const e of f.exprs) visitExpr(e, sym);
    const nested: PendingFrame[] = [];
    visitBody(f.body, sym, nested);
    f.assign(sym.missingAtStart());
    drain(nested, sym);
  }
}

/**
 * Whether `body` or any block nested in it may assign a name (`set`, a macro, `with`): the only
 * statements whose names can start out missing (Symbols.store). Statements only, no expressions.
 */
function assignsIn(body: readonly A.Stmt[]): boolean {
  for (const st of body) {
    switch (st.kind) {
      case 'Set':
      case 'SetBlock':
      case 'Macro':
      case 'With':
        return true;
      case 'If':
        if (assignsIn(st.body) || assignsIn(st.else_)) return true;
        for (const e of st.elifs) if (assignsIn(e.body)) return true;
        break;
      case 'For':
        if (assignsIn(st.body) || assignsIn(st.else_)) return true;
        break;
      case 'CallBlock':
      case 'FilterBlock':
      case 'Block':
        if (assignsIn(st.body)) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

function visitBody(body: readonly A.Stmt[], sym: Symbols, pending: PendingFrame[]): void {
  for (const st of body) visitStmt(st, sym, pending);
}

/**
 * Visits one statement of a frame; the frames it opens are queued. A frame with no assignment in
 * it (a loop body of `{{ }}` and ifs) has nothing to record, nor have the frames nested in it: it
 * is not queued at all.
 */
function visitStmt(st: A.Stmt, sym: Symbols, pending: PendingFrame[]): void {
  switch (st.kind) {
    case 'Output':
    case 'Do':
      visitExpr(st.expr, sym);
      return;
    case 'Set':
      visitExpr(st.value, sym);
      visitTarget(st.target, sym);
      return;
    case 'SetBlock':
      visitTarget(st.target, sym);
      if (assignsIn(st.body)) pending.push({ body: st.body, params: [], prestores: [], exprs: [st.filter], assign: (n) => setInit(st, n) });
      return;
    case 'If': {
      visitExpr(st.test, sym);
      const branch = (stmts: readonly A.Stmt[]): Symbols => {
        const b = sym.branch();
        visitBody(stmts, b, pending);
        return b;
      };
      const bodySym = branch(st.body);
      // jinja2 nests elif chains: each elif is an If inside the previous one's branch.
      const elifSym = sym.branch();
      for (const e of st.elifs) {
        visitExpr(e.test, elifSym);
        const inner = elifSym.branch();
        visitBody(e.body, inner, pending);
        elifSym.branchUpdate([inner, elifSym.branch(), elifSym.branch()]);
      }
      const elseSym = branch(st.else_);
      sym.branchUpdate([bodySym, elifSym, elseSym]);
      return;
    }
    case 'For':
      visitExpr(st.iter, sym);
      if (assignsIn(st.body)) pending.push({
        body: st.body,
        params: [...targetNames(st.target, []), 'loop'],
        prestores: [],
        exprs: [st.filter],
        assign: (n) => {
          if (n.length) st.bodyMissingAtStart = n;
        },
      });
      if (assignsIn(st.else_)) {
        pending.push({ body: st.else_, params: [], prestores: [], exprs: [], assign: (n) => {
          if (n.length) st.elseMissingAtStart = n;
        } });
      }
      return;
    case 'Macro': {
      sym.store(st.name);
      if (!assignsIn(st.body)) return;
      const params = st.params.map((p) => p.name);
      if (st.usesCaller) params.push('caller');
      if (st.usesVarargs) params.push('varargs');
      if (st.usesKwargs) params.push('kwargs');
      pending.push({ body: st.body, params, prestores: [], exprs: st.params.map((p) => p.default), assign: (n) => setInit(st, n) });
      return;
    }
    case 'CallBlock': {
      visitExpr(st.call, sym);
      if (!assignsIn(st.body)) return;
      const params = st.params.map((p) => p.name);
      if (st.usesCaller) params.push('caller');
      if (st.usesVarargs) params.push('varargs');
      if (st.usesKwargs) params.push('kwargs');
      pending.push({ body: st.body, params, prestores: [], exprs: st.params.map((p) => p.default), assign: (n) => setInit(st, n) });
      return;
    }
    case 'FilterBlock':
      visitExpr(st.filter, sym);
      if (assignsIn(st.body)) pending.push({ body: st.body, params: [], prestores: [], exprs: [], assign: (n) => setInit(st, n) });
      return;
    case 'With': {
      for (const v of st.values) visitExpr(v, sym);
      const names: string[] = [];
      for (const t of st.targets) targetNames(t, names);
      pending.push({ body: st.body, params: [], prestores: names, exprs: [], assign: (n) => setInit(st, n) });
      return;
    }
    case 'Block':
      // A snapshot body renders in place (same frame); a jinja block is its own frame.
      if (st.blockKind === 'snapshot') visitBody(st.body, sym, pending);
      else if (assignsIn(st.body)) pending.push({ body: st.body, params: [], prestores: [], exprs: [], assign: (n) => setInit(st, n) });
      return;
    default:
      return;
  }
}

function setInit(st: { missingAtStart?: string[] }, names: string[]): void {
  if (names.length) st.missingAtStart = names;
}

function visitTarget(t: A.Target, sym: Symbols): void {
  if (t.kind === 'NSRef') sym.load(t.name);
  else for (const n of targetNames(t, [])) sym.store(n);
}

function visitExpr(e: A.Expr | null, sym: Symbols): void {
  if (!e) return;
  switch (e.kind) {
    case 'Name':
      sym.load(e.name);
      return;
    case 'Getattr':
      visitExpr(e.obj, sym);
      return;
    case 'Getitem':
      visitExpr(e.obj, sym);
      visitExpr(e.index, sym);
      return;
    case 'Slice':
      visitExpr(e.start, sym);
      visitExpr(e.stop, sym);
      visitExpr(e.step, sym);
      return;
    case 'Call':
      visitExpr(e.fn, sym);
      visitArgs(e, sym);
      return;
    case 'Filter':
      visitExpr(e.node, sym);
      visitArgs(e, sym);
      return;
    case 'Test':
      visitExpr(e.node, sym);
      visitArgs(e, sym);
      return;
    case 'BinOp':
    case 'And':
    case 'Or':
      visitExpr(e.left, sym);
      visitExpr(e.right, sym);
      return;
    case 'Unary':
      visitExpr(e.operand, sym);
      return;
    case 'Compare':
      visitExpr(e.expr, sym);
      for (const o of e.ops) visitExpr(o.expr, sym);
      return;
    case 'Concat':
      for (const n of e.nodes) visitExpr(n, sym);
      return;
    case 'List':
    case 'Tuple':
      for (const n of e.items) visitExpr(n, sym);
      return;
    case 'Dict':
      for (const it of e.items) {
        visitExpr(it.key, sym);
        visitExpr(it.value, sym);
      }
      return;
    case 'CondExpr':
      visitExpr(e.test, sym);
      visitExpr(e.expr1, sym);
      visitExpr(e.expr2, sym);
      return;
    case 'NSRef':
      sym.load(e.name);
      return;
    default:
      return;
  }
}

function visitArgs(a: A.CallArgs, sym: Symbols): void {
  for (const x of a.args) visitExpr(x, sym);
  for (const k of a.kwargs) visitExpr(k.value, sym);
  visitExpr(a.dynArgs, sym);
  visitExpr(a.dynKwargs, sym);
}
