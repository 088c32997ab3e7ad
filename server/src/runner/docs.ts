/**
 * `medallion docs generate`: manifest.json, catalog.json (dbt's schema) and the docs site
 * (index.html) in the target folder. The catalog lists what the warehouse holds for every model,
 * seed, snapshot and source (type, columns in order); relations that do not exist yet come from
 * `columnsOf` when the caller can tell them (the column model), and are left out otherwise, as dbt
 * leaves them out.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Analysis } from '../core/analysis';
import type { Clock } from '../core/clock';
import { catalogable, catalogArtifact, type CatalogColumn, type CatalogEntry } from '../core/catalog';
import type { FileHost } from '../core/host';
import type { ProjectNode } from '../core/model';
import { createCompiler, type TargetRequest } from '../core/session';
import type { Engine } from '../engines/engine';
import { DOCS_SITE } from '../docs/site';
import { writeManifest } from './artifacts';
import { openEngine } from './project-run';
import { systemClock } from '../node/clock';

export interface DocsRequest extends TargetRequest {
  /** Columns of a relation the warehouse does not hold yet (the column model), if known. */
  columnsOf?: (node: ProjectNode) => CatalogColumn[] | undefined;
  /** Write only manifest.json and index.html (`--empty-catalog`): no warehouse needed. */
  emptyCatalog?: boolean;
  clock?: Clock;
}

export interface DocsResult {
  target: string;
  files: string[];
  /** Relations found in the warehouse / described by the column model / in neither. */
  fromWarehouse: number;
  fromColumnModel: number;
  missing: string[];
  fatal?: string;
}

function writeAtomic(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

export async function generateDocs(host: FileHost, analysis: Analysis, request: DocsRequest): Promise<DocsResult> {
  const clock = request.clock ?? systemClock();
  const now = (): Date => clock.now();
  const started = clock.started();
  const invocationId = randomUUID();
  const { compiler, resolved } = createCompiler(host, analysis, { ...request, clock, invocationId });
  const result: DocsResult = { target: resolved.target.name, files: [], fromWarehouse: 0, fromColumnModel: 0, missing: [] };
  const errors = resolved.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return { ...result, fatal: errors.map((d) => `${d.file}: ${d.message}`).join('\n') };
  const dir = resolve(analysis.project.root, analysis.project.config.targetPath);
  mkdirSync(dir, { recursive: true });
  result.files.push(writeManifest(dir, { analysis, host, compiler, target: resolved.target, invocationId, runStartedAt: started }));
  const entries: CatalogEntry[] = [];
  const catalogErrors: string[] = [];
  const nodes = [...analysis.project.nodes.values()].filter(catalogable).sort((a, b) => a.uniqueId.localeCompare(b.uniqueId));
  if (!request.emptyCatalog) {
    let engine: Engine;
    try {
      engine = await openEngine(resolved.target, analysis.project.root, request.env);
    } catch (err) {
      return { ...result, fatal: (err as Error).message };
    }
    try {
      const session = await engine.acquire();
      try {
        for (const node of nodes) {
          const relation = compiler.relation(node);
          let info;
          try {
            info = await session.relationInfo(relation);
          } catch (err) {
            catalogErrors.push(`${relation.render()}: ${(err as Error).message}`);
          }
          const base = { node, database: relation.database ?? null, schema: relation.schema ?? '', name: relation.identifier };
          if (info) {
            entries.push({ ...base, type: tableType(engine, info.type), columns: info.columns.map((c) => ({ name: c.name, type: c.type })) });
            result.fromWarehouse++;
            continue;
          }
          const known = request.columnsOf?.(node);
          if (known) {
            entries.push({ ...base, type: tableType(engine, node.config.materialized === 'view' ? 'view' : 'table'), columns: known });
            result.fromColumnModel++;
          } else {
            result.missing.push(node.uniqueId);
          }
        }
      } finally {
        engine.release(session);
      }
    } catch (err) {
      result.fatal = (err as Error).message;
    } finally {
      await engine.close();
    }
    if (result.fatal) return result;
  }
  const catalog = join(dir, 'catalog.json');
  writeAtomic(catalog, JSON.stringify(catalogArtifact(entries, { dbtVersion: '1.12.6', invocationId, generatedAt: now(), startedAt: started }, catalogErrors), null, 2));
  result.files.push(catalog);
  const index = join(dir, 'index.html');
  writeAtomic(index, DOCS_SITE);
  result.files.push(index);
  return result;
}

/** The relation type as the adapter's catalog names it. */
function tableType(engine: Engine, type: 'table' | 'view'): string {
  if (engine.type === 'duckdb') return type === 'view' ? 'VIEW' : 'BASE TABLE';
  return type;
}
