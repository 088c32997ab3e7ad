/**
 * The docs site `medallion docs generate` writes as target/index.html: one self-contained page
 * that reads manifest.json and catalog.json (dbt's schemas) from its own folder, and
 * run_results.json and sources.json when they are there. Nodes by type and folder with a search;
 * per node its description, relation, columns (warehouse types from the catalog, descriptions from
 * yml), parents and children (exposures included), last run status, freshness and SQL. Every text
 * from the project is set as text, never as HTML; a Content-Security-Policy with the hashes of the
 * page's own style and script allows nothing else.
 */
import { createHash } from 'node:crypto';

const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #667; --line: #d0d7de; --accent: #0b6bcb; --side: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8b949e; --line: #30363d; --accent: #58a6ff; --side: #161b22; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); display: grid; grid-template-columns: 320px 1fr; height: 100vh; }
aside { background: var(--side); border-right: 1px solid var(--line); overflow: auto; padding: 12px; }
main { overflow: auto; padding: 20px 28px; }
input { width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 22px 0 8px; } h3 { font-size: 12px; text-transform: uppercase; color: var(--muted); margin: 14px 0 4px; }
a { color: var(--accent); text-decoration: none; cursor: pointer; } a:hover { text-decoration: underline; }
ul { list-style: none; margin: 0; padding: 0; } li { padding: 1px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.muted { color: var(--muted); } .badge { display: inline-block; padding: 0 6px; border-radius: 10px; border: 1px solid var(--line); font-size: 12px; margin-right: 4px; }
.pass, .success { color: #1a7f37; } .warn { color: #9a6700; } .error, .fail, .runtime.error { color: #cf222e; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
pre { background: var(--side); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow: auto; font: 12px/1.4 ui-monospace, monospace; }
`;

const SCRIPT = `
(async () => {
  const load = async (name, required) => {
    try { const r = await fetch(name, { cache: 'no-store' }); if (r.ok) return await r.json(); } catch (e) { /* absent */ }
    if (required) throw new Error(name + ' could not be read: run medallion docs generate');
    return null;
  };
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) { if (k === 'onclick') e.onclick = v; else e.setAttribute(k, v); }
    for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  };
  const side = document.querySelector('aside'), main = document.querySelector('main');
  let manifest, catalog, results, sources;
  try {
    [manifest, catalog, results, sources] = await Promise.all([load('manifest.json', true), load('catalog.json', false), load('run_results.json', false), load('sources.json', false)]);
  } catch (e) { main.replaceChildren(el('h1', {}, 'No documentation'), el('p', {}, e.message)); return; }
  const all = { ...manifest.nodes, ...manifest.sources, ...(manifest.exposures || {}) };
  const status = new Map((results && results.results || []).map((r) => [r.unique_id, r]));
  const fresh = new Map((sources && sources.results || []).map((r) => [r.unique_id, r]));
  const cat = (id) => (catalog && (catalog.nodes[id] || catalog.sources[id])) || null;
  const label = (n) => n.resource_type === 'source' ? n.source_name + '.' + n.name : n.name;
  const shown = (n) => ['model', 'seed', 'snapshot', 'source', 'exposure', 'analysis'].includes(n.resource_type) && n.package_name === manifest.metadata.project_name;
  const link = (id) => { const n = all[id]; return n ? el('a', { onclick: () => { location.hash = '#!/' + id; } }, label(n)) : el('span', { class: 'muted' }, id); };
  const tree = (filter) => {
    const groups = new Map();
    for (const n of Object.values(all)) {
      if (!shown(n) || (filter && !label(n).toLowerCase().includes(filter))) continue;
      const path = n.fqn.slice(1, -1).join('/');
      const folder = n.resource_type === 'source' ? 'sources' : n.resource_type + 's' + (path ? ' / ' + path : '');
      if (!groups.has(folder)) groups.set(folder, []);
      groups.get(folder).push(n);
    }
    side.replaceChildren(el('input', { placeholder: 'Search', value: filter || '', id: 'q' }), ...[...groups.keys()].sort().map((g) => el('div', {}, el('h3', {}, g), el('ul', {}, groups.get(g).sort((a, b) => label(a).localeCompare(label(b))).map((n) => el('li', {}, link(n.unique_id)))))));
    const q = document.getElementById('q');
    q.oninput = () => { tree(q.value.toLowerCase()); const again = document.getElementById('q'); again.focus(); again.setSelectionRange(again.value.length, again.value.length); };
  };
  const overview = () => {
    const count = (t) => Object.values(all).filter((n) => n.resource_type === t && shown(n)).length;
    main.replaceChildren(el('h1', {}, manifest.metadata.project_name), el('p', { class: 'muted' }, 'Generated ' + manifest.metadata.generated_at + ' for ' + manifest.metadata.adapter_type),
      el('p', {}, ['model', 'seed', 'snapshot', 'source', 'exposure'].map((t) => el('span', { class: 'badge' }, count(t) + ' ' + t + 's'))),
      catalog ? null : el('p', { class: 'muted' }, 'No catalog.json: column types are not shown.'));
  };
  const show = (id) => {
    const n = all[id];
    if (!n) return overview();
    const c = cat(id), r = status.get(id), f = fresh.get(id);
    const parts = [el('h1', {}, label(n)), el('p', {}, el('span', { class: 'badge' }, n.resource_type), n.config && n.config.materialized ? el('span', { class: 'badge' }, n.config.materialized) : null, (n.tags || []).map((t) => el('span', { class: 'badge' }, '#' + t)))];
    if (n.description) parts.push(el('p', {}, n.description));
    if (n.relation_name) parts.push(el('p', {}, el('span', { class: 'muted' }, 'Relation '), el('code', {}, n.relation_name)));
    if (n.resource_type === 'exposure') parts.push(el('p', {}, n.type + (n.maturity ? ', maturity ' + n.maturity : '') + (n.owner ? ' — owner ' + [n.owner.name, n.owner.email].filter(Boolean).join(' ') : '')), n.url ? el('p', {}, n.url) : null);
    if (r) parts.push(el('p', {}, el('span', { class: 'muted' }, 'Last run '), el('span', { class: String(r.status) }, r.status), ' ', r.message || ''));
    if (f) parts.push(el('p', {}, el('span', { class: 'muted' }, 'Freshness '), el('span', { class: String(f.status) }, f.status), ' — newest data ' + f.max_loaded_at));
    const names = [...new Set([...Object.keys(c ? c.columns : {}), ...Object.keys(n.columns || {})])];
    if (names.length) {
      const yml = (k) => (n.columns || {})[k] || Object.values(n.columns || {}).find((x) => x.name.toLowerCase() === k.toLowerCase());
      parts.push(el('h2', {}, 'Columns'), el('table', {}, el('tr', {}, el('th', {}, 'column'), el('th', {}, 'type'), el('th', {}, 'description')), names.map((k) => { const cc = c && c.columns[k]; const y = yml(k); return el('tr', {}, el('td', {}, k), el('td', {}, cc ? cc.type : (y && y.data_type) || ''), el('td', {}, (y && y.description) || '')); })));
    }
    const parents = (manifest.parent_map || {})[id] || (n.depends_on && n.depends_on.nodes) || [];
    const children = ((manifest.child_map || {})[id] || []).filter((x) => !x.startsWith('test.'));
    if (parents.length) parts.push(el('h2', {}, 'Depends on'), el('ul', {}, parents.map((p) => el('li', {}, link(p)))));
    if (children.length) parts.push(el('h2', {}, 'Referenced by'), el('ul', {}, children.map((p) => el('li', {}, link(p)))));
    const tests = ((manifest.child_map || {})[id] || []).filter((x) => x.startsWith('test.'));
    if (tests.length) parts.push(el('h2', {}, 'Tests'), el('ul', {}, tests.map((t) => { const tr = status.get(t); return el('li', {}, all[t] ? all[t].name : t, tr ? el('span', { class: String(tr.status) }, ' ' + tr.status) : ''); })));
    if (n.raw_code) parts.push(el('h2', {}, 'Code'), el('pre', {}, n.raw_code));
    main.replaceChildren(...parts.filter(Boolean));
  };
  const route = () => { const id = decodeURIComponent(location.hash.replace(/^#!\\//, '')); if (id) show(id); else overview(); };
  window.onhashchange = route;
  tree('');
  route();
})();
`;

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const DOCS_SITE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; connect-src 'self'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Medallion docs</title>
<style>${STYLE}</style>
</head>
<body>
<aside></aside>
<main><p>Loading…</p></main>
<script>${SCRIPT}</script>
</body>
</html>
`;
