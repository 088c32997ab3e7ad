/** The state settings and freshness results as the workflow commands use them: pure, so unit-tested without VS Code. */
import type { RunParams, SourceFreshnessResult } from '../../server/src/lsp/protocol';

export interface StateSettings {
  path: string;
  defer: boolean;
  favorState: boolean;
}

/** The state settings as a run request carries them (pure; nothing when no state folder is set). */
export function stateRunParams(settings: StateSettings): Pick<RunParams, 'state' | 'defer' | 'favorState'> {
  if (!settings.path.trim()) return {};
  return { state: settings.path.trim(), ...(settings.defer ? { defer: true, ...(settings.favorState ? { favorState: true } : {}) } : {}) };
}

/** Stale sources of a freshness result, worst first (pure). */
export function staleSources(result: SourceFreshnessResult): SourceFreshnessResult['sources'] {
  const rank: Record<string, number> = { 'runtime error': 0, error: 1, warn: 2 };
  return result.sources.filter((s) => s.status in rank).sort((a, b) => rank[a.status]! - rank[b.status]! || a.name.localeCompare(b.name));
}

