/**
 * Exposures (`exposures:` in properties yml): the dashboards, notebooks, applications and ML models
 * that read the project. Each becomes an `exposure` node (`exposure.<package>.<name>`) whose parents
 * are the `ref()`/`source()` calls of its `depends_on:` list, as dbt parses them; it is never built
 * or run, only selected (`+exposure:x`), listed and drawn downstream of what it reads.
 */
import { applyConfig, emptyConfig } from '../config-tree';
import type { ProjectFile, ProjectNode } from '../model';
import { scan } from '../scanner';
import { get, getString, items, toJS, type YNode } from '../yaml-tree';
import { isDict, type PackageContext } from './context';
import { newNode, register } from './nodes';

const TYPES = new Set(['dashboard', 'notebook', 'analysis', 'ml', 'application']);
const MATURITIES = new Set(['low', 'medium', 'high']);

export function addExposure(ctx: PackageContext, rel: string, file: ProjectFile, entry: YNode): void {
  const name = getString(entry, 'name');
  const nameNode = get(entry, 'name');
  if (!name || !nameNode || entry.kind !== 'map') {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: entry.span, message: `Every exposure in ${rel} needs a 'name'` });
    return;
  }
  const type = getString(entry, 'type');
  if (!type || !TYPES.has(type)) {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: get(entry, 'type')?.span ?? nameNode.span, message: `Exposure '${name}' needs a 'type': one of ${[...TYPES].join(', ')}` });
    return;
  }
  const maturity = getString(entry, 'maturity');
  if (maturity !== undefined && !MATURITIES.has(maturity)) {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: get(entry, 'maturity')!.span, message: `Exposure '${name}': maturity must be one of ${[...MATURITIES].join(', ')}` });
  }
  const owner = toJS(get(entry, 'owner'));
  if (!isDict(owner) || (typeof owner.name !== 'string' && typeof owner.email !== 'string')) {
    ctx.state.report({ code: 'yaml-schema', file: rel, span: get(entry, 'owner')?.span ?? nameNode.span, message: `Exposure '${name}' needs an 'owner' with a name or an email` });
  }
  // Tags and meta as dbt merges them: the entry's own, then its config's (tags sorted, without repeats).
  const config = emptyConfig('exposure');
  const entryMeta = toJS(get(entry, 'meta'));
  if (isDict(entryMeta)) applyConfig(config, { meta: entryMeta });
  const tags = toJS(get(entry, 'tags'));
  if (tags !== undefined && tags !== null) applyConfig(config, { tags });
  const own = toJS(get(entry, 'config'));
  if (isDict(own)) applyConfig(config, own);
  config.tags = [...config.tags].sort();
  delete (config as Record<string, unknown>).materialized;
  // depends_on entries are Jinja calls: `ref('x')`, `ref('pkg', 'x')`, `source('s', 't')`; each spans its yml item.
  const refs: ProjectNode['refs'] = [];
  const sources: ProjectNode['sources'] = [];
  for (const item of items(get(entry, 'depends_on'))) {
    if (item.kind !== 'scalar' || typeof item.value !== 'string') continue;
    const scanned = scan(`{{ ${item.value} }}`);
    if (scanned.refs.length + scanned.sources.length === 0) {
      ctx.state.report({ code: 'yaml-schema', file: rel, span: item.span, message: `Exposure '${name}' depends on '${item.value}': expected ref('...') or source('...', '...')` });
      continue;
    }
    refs.push(...scanned.refs.map((r) => ({ ...r, span: item.span, callSpan: item.span })));
    sources.push(...scanned.sources.map((s) => ({ ...s, sourceSpan: item.span, tableSpan: item.span, callSpan: item.span })));
  }
  const node: ProjectNode = newNode({
    uniqueId: `exposure.${ctx.config.name}.${name}`,
    resourceType: 'exposure',
    name,
    packageName: ctx.config.name,
    file: rel,
    nameSpan: nameNode.span,
    fqn: [ctx.config.name, ...ctx.foldersOf(rel), name],
    config,
    refs,
    sources,
    yml: { file: rel, span: nameNode.span },
    exposure: {
      type,
      ...(maturity !== undefined ? { maturity } : {}),
      ...(getString(entry, 'label') !== undefined ? { label: getString(entry, 'label')! } : {}),
      ...(getString(entry, 'url') !== undefined ? { url: getString(entry, 'url')! } : {}),
      owner: isDict(owner) ? { ...(typeof owner.name === 'string' ? { name: owner.name } : {}), ...(typeof owner.email === 'string' ? { email: owner.email } : {}) } : {},
      unrenderedConfig: isDict(own) ? own : {},
    },
  });
  const description = getString(entry, 'description');
  if (description !== undefined) node.description = description;
  register(ctx, node, file);
}

/** An exposure as dbt writes it in manifest.json's `exposures` (`path` relative to its resource folder). */
export function exposureManifestEntry(node: ProjectNode, path: string, createdAt: number): Record<string, unknown> {
  const e = node.exposure!;
  const sourceIds = node.dependsOn.filter((id) => id.startsWith('source.'));
  return {
    name: node.name,
    resource_type: 'exposure',
    package_name: node.packageName,
    path,
    original_file_path: node.file,
    unique_id: node.uniqueId,
    fqn: node.fqn,
    type: e.type,
    owner: { email: e.owner.email ?? null, name: e.owner.name ?? null },
    description: node.description ?? '',
    label: e.label ?? null,
    maturity: e.maturity ?? null,
    meta: node.config.meta,
    tags: node.config.tags,
    config: { enabled: node.config.enabled, tags: node.config.tags, meta: node.config.meta },
    unrendered_config: e.unrenderedConfig,
    url: e.url ?? null,
    // dbt records the sources of depends_on before the refs.
    depends_on: { macros: [], nodes: [...sourceIds, ...node.dependsOn.filter((id) => !id.startsWith('source.'))] },
    refs: node.refs.map((r) => ({ name: r.name, package: r.packageName ?? null, version: r.version ?? null })),
    sources: node.sources.map((s) => [s.source, s.table]),
    metrics: [],
    created_at: createdAt,
  };
}
