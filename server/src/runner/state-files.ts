/**
 * Reads `--state DIR` as dbt does (PreviousState): DIR/manifest.json, DIR/run_results.json and
 * DIR/sources.json, plus this project's own target/sources.json for `source_status:`. A relative
 * DIR is relative to the project folder, as in dbt. Missing files are simply absent; unreadable or
 * malformed ones are problems naming the file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { readFreshnessResults, readManifest, readRunResults, type PreviousState } from '../core/state';

export function readPreviousState(projectRoot: string, stateDir: string, targetDir: string): { state?: PreviousState; problems: string[] } {
  const dir = isAbsolute(stateDir) ? stateDir : join(projectRoot, stateDir);
  const problems: string[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { problems: [`--state ${stateDir}: no such folder (${dir}); it should hold another run's manifest.json and run_results.json`] };
  const read = (file: string): string | undefined => {
    if (!existsSync(file)) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return undefined;
    }
  };
  const state: PreviousState = { dir: stateDir };
  const manifestText = read(join(dir, 'manifest.json'));
  const manifest = manifestText === undefined ? undefined : readManifest(manifestText, join(stateDir, 'manifest.json'), problems);
  if (manifest) state.manifest = manifest;
  const resultsText = read(join(dir, 'run_results.json'));
  const results = resultsText === undefined ? undefined : readRunResults(resultsText, join(stateDir, 'run_results.json'), problems);
  if (results) state.results = results;
  const sourcesText = read(join(dir, 'sources.json'));
  const sources = sourcesText === undefined ? undefined : readFreshnessResults(sourcesText, join(stateDir, 'sources.json'), problems);
  if (sources) state.sources = sources;
  const currentText = read(join(targetDir, 'sources.json'));
  const current = currentText === undefined ? undefined : readFreshnessResults(currentText, 'target/sources.json', problems);
  if (current) state.sourcesCurrent = current;
  return { state, problems };
}
