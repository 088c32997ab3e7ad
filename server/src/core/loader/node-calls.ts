/**
 * A SQL node's `config()` calls and macro call sites, read again from its file's text when a
 * reader needs them (hover, go to definition, state comparison): the load does not keep them on
 * every node, as few readers need them and tens of thousands of nodes would carry them.
 */
import type { Project, ProjectNode } from '../model';
import { scan, type ConfigCall, type MacroCallSite } from '../scanner';
import type { Span } from '../text';

export interface NodeCalls {
  configs: ConfigCall[];
  macroCalls: MacroCallSite[];
}

const NO_CALLS: NodeCalls = Object.freeze({ configs: Object.freeze([]) as unknown as ConfigCall[], macroCalls: Object.freeze([]) as unknown as MacroCallSite[] });

/** What the load's scan of the node's file found in the node (its snapshot block, for a snapshot); none for nodes not read from a SQL or Python file. */
export function sqlCallsOf(project: Project, node: ProjectNode): NodeCalls {
  const file = project.files.get(node.file);
  if (!file || file.text === undefined || node.test?.attachedTo !== undefined) return NO_CALLS;
  switch (node.resourceType) {
    case 'model':
    case 'analysis':
    case 'test':
    case 'snapshot':
      break;
    default:
      return NO_CALLS;
  }
  const block = node.blockSpan;
  const kept = keptCalls.get(project)?.get(node.file);
  if (kept && kept.text === file.text && SCANNED_KINDS.has(file.kind)) return block ? callsWithin(kept.calls, block) : kept.calls;
  if (last && last.text === file.text && last.kind === file.kind && last.block?.start === block?.start && last.block?.end === block?.end) return last.calls;
  const calls = callsIn(file.text, file.kind, block);
  last = { text: file.text, kind: file.kind, block, calls };
  return calls;
}

/** The calls a load's scans found, by file (`keepCalls`): a CLI load that writes a manifest keeps them rather than scan each file again. */
const keptCalls = new WeakMap<Project, ReadonlyMap<string, { text: string; calls: NodeCalls }>>();

/** Keeps a load's scanned calls of each file (`LoadOptions.keepManifestInputs`), by path, with the text they were found in. */
export function keepCalls(project: Project, calls: ReadonlyMap<string, { text: string; calls: NodeCalls }>): void {
  keptCalls.set(project, calls);
}

/**
 * The last answer, as its inputs: state comparison and the manifest writer ask for a node's
 * config() calls and its macro calls one after the other, which would scan the file twice.
 */
let last: { text: string; kind: string; block: Span | undefined; calls: NodeCalls } | undefined;

/** The kinds of file whose calls are their text's scan. */
const SCANNED_KINDS: ReadonlySet<string> = new Set(['model', 'analysis', 'test', 'snapshot']);

function callsIn(text: string, kind: string, block: Span | undefined): NodeCalls {
  if (kind === 'python-model') return { configs: scan(pythonCallsAsJinja(text)).configs, macroCalls: [] };
  if (!SCANNED_KINDS.has(kind)) return NO_CALLS;
  const scanned = scan(text);
  const calls = { configs: scanned.configs, macroCalls: scanned.macroCalls };
  return block ? callsWithin(calls, block) : calls;
}

/** The calls of a snapshot block among its file's. */
function callsWithin(calls: NodeCalls, block: Span): NodeCalls {
  return { configs: calls.configs.filter((c) => within(block, c.callSpan)), macroCalls: calls.macroCalls.filter((m) => within(block, m.span)) };
}

/** A snapshot block holds a call that starts inside it (what the load scoped its calls by). */
function within(block: Span, s: Span): boolean {
  return s.start >= block.start && s.start <= block.end;
}

/** `dbt.ref('a')` → `{{ ref('a') }}` at the same offsets (everything else blanked), so the scan reads a Python model's calls in place. */
export function pythonCallsAsJinja(text: string): string {
  const chars = text.replace(/[^\n]/g, ' ').split('');
  const re = /\bdbt\.(ref|source|config)\s*\(/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 0;
    let end = -1;
    for (let k = m.index + m[0].length - 1; k < text.length; k++) {
      const c = text[k];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        end = k;
        break;
      } else if (c === "'" || c === '"') {
        const close = text.indexOf(c, k + 1);
        if (close === -1) break;
        k = close;
      }
    }
    if (end === -1) continue;
    // `dbt.ref(...)` becomes `{{  ref(...)}}`: the call text keeps its offsets.
    chars[m.index] = '{';
    chars[m.index + 1] = '{';
    for (let k = m.index + 4; k <= end; k++) chars[k] = text[k]!;
    while (chars.length < end + 3) chars.push(' ');
    chars[end + 1] = '}';
    chars[end + 2] = '}';
  }
  return chars.join('');
}
