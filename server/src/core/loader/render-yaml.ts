/**
 * Jinja in yml values, rendered as dbt renders them: dbt_project.yml with the target, `env_var`
 * and `--vars` (its own `vars:` are not visible there, and hooks are rendered later), properties
 * yml `config:` values with the project's vars. dbt renders natively: `"{{ var('x', false) }}"`
 * is the boolean False, not the text "False". A value that fails to render is a diagnostic on
 * that value; the value stays as written. Only `as_bool`/`as_number`/`as_native` output is read
 * as a literal: text stays text (`compiler/native.ts`).
 */
import type { Clock } from '../clock';
import { publicTarget, type Target } from '../profiles';
import { MacroReturn, render, type RenderResult } from '../jinja';
import { nativeValue } from '../compiler/native';
import { pythonModules } from '../compiler/modules';
import { PyDateTime, splitArgs } from '../compiler/python';
import type { TemplateCache } from '../compiler/context';
import type { Span } from '../text';
import type { YNode } from '../yaml-tree';
import type { PackageContext } from './context';

export type RenderValue = (text: string) => unknown;

/** dbt renders a yml string holding any of `{{ {% {# #} %} }}` (a value of only a `{# comment #}` is Jinja too). */
export function hasJinja(value: unknown): value is string {
  return typeof value === 'string' && RENDER_CHARS.test(value);
}

const RENDER_CHARS = /\{[{%#]|[#}%]\}/;

/**
 * The plain JS value of a yml node (like toJS) with Jinja strings rendered; `skip(path)` leaves
 * a subtree as written (hooks, descriptions, test arguments: dbt renders those later). dbt renders
 * every string natively, Jinja or not: a string without Jinja comes back as written but for a
 * trailing newline (a `|` block's), which Jinja drops, so such a string is rendered too.
 */
export function renderedValue(node: YNode | undefined, renderValue: RenderValue, report: (span: Span, message: string) => void, skip?: (path: string[]) => boolean, path: string[] = []): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case 'scalar': {
      if (!(hasJinja(node.value) || endsWithNewline(node.value)) || skip?.(path)) return node.value;
      try {
        return renderValue(node.value);
      } catch (err) {
        report(node.span, `Cannot render '${node.value}': ${(err as Error).message}`);
        return node.value;
      }
    }
    case 'seq':
      if (skip?.(path)) return node.items.map((item) => renderedValue(item, (t) => t, report));
      return node.items.map((item, i) => renderedValue(item, renderValue, report, skip, [...path, String(i)]));
    case 'map': {
      const obj: Record<string, unknown> = {};
      for (const [k, { value }] of node.entries) obj[k] = renderedValue(value, renderValue, report, skip, [...path, k]);
      return obj;
    }
  }
}

const endsWithNewline = (value: unknown): value is string => typeof value === 'string' && value.endsWith('\n');

/** Renders `text` with `globals` natively, as dbt does (`nativeValue`); throws the render's message. */
export function renderNative(templates: TemplateCache, key: string, text: string, globals: object, clock: Clock): unknown {
  const run = (source: string): RenderResult => {
    const { template, diagnostics } = templates.get(source === text ? key : `${key} ${source}`, source);
    if (diagnostics.length > 0) throw new Error(diagnostics[0]!.message);
    const out = render(template, globals, { random: () => clock.random() });
    if (out.error) throw new Error(out.error.message);
    return out;
  };
  const { template, diagnostics } = templates.get(key, text);
  if (diagnostics.length > 0) throw new Error(diagnostics[0]!.message);
  return nativeValue(template, (source) => run(source).output, (source) => run(source).exports.__native_value);
}

/** dbt_project.yml's rendering context: the target, `env_var`, and only `--vars` for `var()`. */
export function projectYamlGlobals(target: Target, env: Record<string, string | undefined>, cliVars: Record<string, unknown>, clock: Clock): Record<string, unknown> {
  return {
    target: publicTarget(target),
    env_var: (...args: unknown[]) => {
      const { positional } = splitArgs(args);
      const name = String(positional[0]);
      if (env[name] !== undefined) return env[name];
      if (positional.length > 1 && positional[1] !== null && positional[1] !== undefined) return positional[1];
      throw new Error(`Env var required but not provided: '${name}'`);
    },
    var: (...args: unknown[]) => {
      const { positional } = splitArgs(args);
      const name = String(positional[0]);
      if (name in cliVars) return cliVars[name];
      if (positional.length > 1) return positional[1];
      throw new Error(`Required var '${name}' not found in config (dbt_project.yml sees only --vars)`);
    },
    modules: pythonModules(() => clock.now()),
    return: (value: unknown) => {
      throw new MacroReturn(value);
    },
    dbt_version: '1.12.6',
    // Read when a value names it (dbt's base context has it).
    get run_started_at() {
      return new PyDateTime(clock.started());
    },
  };
}

/** dbt_project.yml keys rendered later or never: run hooks, vars, query comments, model hooks. */
export function projectYamlSkips(path: string[]): boolean {
  const first = path[0];
  if (first === 'on-run-start' || first === 'on-run-end' || first === 'query-comment' || first === 'vars') return true;
  if (first === 'models' || first === 'seeds' || first === 'snapshots' || first === 'tests' || first === 'data_tests') {
    return path.some((p) => /^\+?\s*(pre|post)[-_]hook$/.test(p));
  }
  return false;
}

/**
 * A generic test's config as dbt's TestBuilder renders it: each string value (of the legacy
 * top-level keys and of `config:`) natively, Jinja or not (`where: |` loses its final newline), so `enabled: "{{ target.type == 'bigquery' }}"` is
 * False on other targets and `"{{ '123' }}"` the text '123'; lists and mappings (tags, meta) as written.
 */
export function renderedTestConfig(ctx: PackageContext, rel: string, span: Span, config: Record<string, unknown>): Record<string, unknown> {
  const parser = ctx.state.parser;
  if (!parser) return config;
  let out = config;
  for (const key in config) {
    const value = config[key];
    // A string without Jinja is rendered too when it ends with a newline (a `|` block's), which Jinja drops.
    if (!hasJinja(value) && !endsWithNewline(value)) continue;
    if (out === config) out = { ...config };
    try {
      out[key] = parser.ctx.renderNativeValue(ctx.config.name, value);
    } catch (err) {
      ctx.state.report({ code: 'jinja-render', file: rel, span, message: `Cannot render '${value}': ${(err as Error).message}` });
    }
  }
  return out;
}
