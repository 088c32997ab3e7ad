/**
 * A byte-exact dump of what a load produces, to prove a speed change changed nothing: every
 * node's id, parents, children, layer and config; disabled nodes; cycles; ref/source lookups; the
 * topological order; all diagnostics. Run it with the old build and the new one, then `cmp`.
 *
 *   node out/bench/graph-dump.js <project dir> <dump file> [--verify]
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeProject } from '../server/src/core/analysis';
import { NodeFileHost } from '../server/src/node/fs-host';

function main(): void {
  const [root, file] = process.argv.slice(2);
  if (!root || !file) {
    process.stderr.write('usage: graph-dump <project dir> <dump file> [--verify]\n');
    process.exitCode = 2;
    return;
  }
  const analysis = analyzeProject(new NodeFileHost(), resolve(root), process.argv.includes('--verify') ? { verifyParse: true } : {});
  const { project, graph } = analysis;
  const fd = openSync(file, 'w');
  const hash = createHash('sha256');
  const line = (value: unknown): void => {
    const text = JSON.stringify(value);
    writeSync(fd, text + '\n');
    hash.update(text);
  };
  for (const [id, node] of project.nodes) line([id, node.dependsOn, graph.children.get(id) ?? null, node.layer ?? null, node.config]);
  for (const [name, list] of project.disabled) line(['disabled', name, list.map((n) => [n.uniqueId, n.dependsOn, n.config])]);
  line(['cycles', graph.cycles, [...graph.cyclic.keys()], graph.layered, graph.layerNames]);
  line(['refTargets', [...graph.refTargets].map(([k, v]) => [k, v.uniqueId]), [...graph.sourceTables].map(([k, v]) => [k, v.uniqueId])]);
  line(['refLookup', [...graph.refLookup].map(([k, byPackage]) => [k, [...byPackage].map(([p, n]) => [p, n.uniqueId])])]);
  line(['order', graph.topologicalOrder()]);
  for (const d of analysis.diagnostics) line(d);
  closeSync(fd);
  process.stdout.write(`${hash.digest('hex').slice(0, 16)} ${project.nodes.size} nodes ${analysis.diagnostics.length} diagnostics ${root}\n`);
}

main();
