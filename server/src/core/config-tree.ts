/**
 * dbt's configuration precedence: dbt_project.yml folder tree (most specific wins) →
 * properties yml `config:` → the model's own `config()` call. Tags accumulate, meta merges.
 */
import { PyFloat } from './jinja';
import type { ConfigLayers, NodeConfig } from './model';

/** Keys that hold a dict value but are configs, not sub-folders, when written without '+'. */
const DICT_CONFIGS = new Set(['meta', 'persist_docs', 'grants', 'docs', 'contract', 'tblproperties', 'column_types', 'quoting', 'labels', 'options', 'partition_by', 'liquid_clustered_by']);

/**
 * The empty tags and meta that most configs have, shared: a config is changed by replacing its
 * lists and meta (see applyConfig), never in place, and a big project has tens of thousands of
 * configs (one per test). Frozen, so a change in place fails loudly instead of reaching every node.
 */
const NO_TAGS = Object.freeze([]) as unknown as string[];
const NO_META = Object.freeze({}) as Record<string, unknown>;

export function emptyConfig(materialized: string): NodeConfig {
  return { enabled: true, materialized, tags: NO_TAGS, meta: NO_META };
}

/** Applies one layer of configuration on top of `into` with dbt's merge rules. */
export function applyConfig(into: NodeConfig, layer: Record<string, unknown>): void {
  for (const rawKey of Object.keys(layer)) {
    const value = layer[rawKey];
    const key = rawKey.startsWith('+') ? rawKey.slice(1) : rawKey;
    if (key === 'tags') {
      const tags = Array.isArray(value) ? value.map(String) : value === null || value === undefined ? [] : [String(value)];
      // dbt appends each level's tags as written, repeats kept (MergeBehavior.Append); the node's `tags` are each once (nodeTagsOf).
      // A new list of the exact size (pushing would leave room for 16 more in every node's tags).
      if (tags.length > 0) into.tags = into.tags.concat(tags);
    } else if (key === 'meta') {
      // `meta:` left empty in yml is null; only mappings merge.
      if (value && typeof value === 'object' && !Array.isArray(value)) into.meta = { ...into.meta, ...(value as Record<string, unknown>) };
    } else if (key === 'enabled') {
      // Rendered yml gives strings ("False" from `{{ var('x', false) }}`); dbt coerces them to a bool.
      into.enabled = !(value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'false'));
    } else if (key === 'materialized') {
      if (typeof value === 'string') into.materialized = value;
    } else if (key === 'pre-hook' || key === 'post-hook' || key === 'pre_hook' || key === 'post_hook') {
      const hookKey = key.replace('-', '_');
      const hooks = Array.isArray(value) ? value : [value];
      into[hookKey] = [...((into[hookKey] as unknown[]) ?? []), ...hooks];
    } else {
      into[key] = value;
    }
  }
}

/** A copy of a config whose lists and meta can be changed without touching the original. */
export function copyConfig(config: NodeConfig): NodeConfig {
  const copy: NodeConfig = { ...config, tags: config.tags.length === 0 ? NO_TAGS : config.tags.slice(), meta: isEmpty(config.meta) ? NO_META : { ...config.meta } };
  for (const hook of ['pre_hook', 'post_hook']) if (Array.isArray(config[hook])) copy[hook] = (config[hook] as unknown[]).slice();
  return copy;
}

/** A node's config from its layers, in dbt's precedence (project tree < yml < config() < root project's tree). */
export function configFromLayers(layers: ConfigLayers): NodeConfig {
  const config = copyConfig(layers.tree);
  if (layers.patch) applyConfig(config, layers.patch);
  if (layers.call) applyConfig(config, layers.call);
  for (const layer of layers.rootLayers ?? []) applyConfig(config, layer);
  // dbt appends each layer's tags, a tag given twice kept twice (MergeBehavior.Append).
  if (layers.patch?.tags !== undefined || layers.call?.tags !== undefined || layers.rootLayers) {
    const tags = [...layers.tree.tags, ...layerTags(layers.patch), ...layerTags(layers.call), ...(layers.rootLayers ?? []).flatMap(layerTags)];
    if (tags.length !== config.tags.length) config.tags = tags;
  }
  return config;
}

/**
 * A node's `tags` as dbt gives them where they differ from config.tags (else undefined): each tag
 * once, those of its parse (project tree, config() calls, the root project's tree) before those
 * of its yml `config:`, which dbt's patch adds after.
 */
export function nodeTagsOf(layers: ConfigLayers, config: NodeConfig): string[] | undefined {
  if (layers.patch?.tags === undefined) return config.tags.length === new Set(config.tags).size ? undefined : [...new Set(config.tags)];
  const tags = [...new Set([...layers.tree.tags, ...layerTags(layers.call), ...(layers.rootLayers ?? []).flatMap(layerTags), ...layerTags(layers.patch)])];
  return tags.length === config.tags.length && tags.every((t, i) => t === config.tags[i]) ? undefined : tags;
}

/** One layer's tags (`tags:` or `+tags:`; a string is one tag). */
function layerTags(layer: Record<string, unknown> | undefined): string[] {
  const value = layer?.tags ?? layer?.['+tags'];
  return Array.isArray(value) ? value.map(String) : value === null || value === undefined ? [] : [String(value)];
}

/**
 * The config layers that apply to a node at `path` (folders under the resource path, then the
 * node name) within the tree for its package, outermost first.
 */
export function treeLayers(tree: Record<string, unknown> | undefined, packageName: string, path: string[]): Array<Record<string, unknown>> {
  const layers: Array<Record<string, unknown>> = [];
  if (!tree) return layers;
  // Configs at the top of a tree (not under a package name) apply to every node it configures: the
  // project's own and, in the root project's tree, every package's too (dbt's fqn_search yields the top level first).
  layers.push(configsOf(tree, true));
  let level = tree[packageName];
  if (!isDict(level)) return layers;
  layers.push(configsOf(level, false));
  for (const part of path) {
    level = (level as Record<string, unknown>)[part];
    if (!isDict(level)) break;
    layers.push(configsOf(level, false));
  }
  return layers;
}

/** The configs of each tree level, read once: every model of a folder asks for the same levels. */
const nestedConfigs = new WeakMap<Record<string, unknown>, Record<string, unknown>>();
const rootConfigs = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

function configsOf(level: Record<string, unknown>, isRoot: boolean): Record<string, unknown> {
  const cache = isRoot ? rootConfigs : nestedConfigs;
  let configs = cache.get(level);
  if (!configs) {
    configs = readConfigs(level, isRoot);
    cache.set(level, configs);
  }
  return configs;
}

function readConfigs(level: Record<string, unknown>, isRoot: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(level)) {
    if (k.startsWith('+')) out[k] = v;
    // A plain value is a config at every level, the top one included (`seeds: {schema: staging}`);
    // a mapping is a folder or package, except dict configs below the top (where a package name is ambiguous).
    else if (!isDict(v) || (!isRoot && DICT_CONFIGS.has(k))) out[k] = v;
  }
  return out;
}

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}

/** A yml mapping (a float such as `5.0`, a `PyFloat` box, is a value). */
function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}
