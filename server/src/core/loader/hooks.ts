/** dbt_project.yml's `on-run-start`/`on-run-end` hooks as operation nodes. */
import { applyConfig, copyConfig } from '../config-tree';
import type { ProjectNode } from '../model';
import type { PackageContext } from './context';
import { newNode, register } from './nodes';
import { projectFilePath } from './project-config';

/** Project hooks become operation nodes, named as dbt names them (`<project>-on-run-start-0`). */
export function addHooks(ctx: PackageContext): void {
  const c = ctx.config;
  const file = projectFilePath(ctx.base);
  const add = (when: 'on-run-start' | 'on-run-end', list: string[]): void => {
    list.forEach((sql, index) => {
      const name = `${c.name}-${when}-${index}`;
      // dbt configures a hook as a model at [project, 'hooks', name] and tags it with its kind.
      const config = copyConfig(ctx.treeConfig('models', 'view', ['hooks'], name));
      applyConfig(config, { tags: [when] });
      const node: ProjectNode = newNode({
        uniqueId: `operation.${c.name}.${name}`,
        resourceType: 'operation',
        name,
        packageName: c.name,
        file,
        fqn: [c.name, 'hooks', name],
        config,
        hook: { when, index, sql },
      });
      // Hooks may ref models (dbt records those as the hook's dependencies).
      const scanned = ctx.state.cache.scan(`${file}#${name}`, sql);
      node.refs = scanned.refs;
      node.sources = scanned.sources;
      register(ctx, node, undefined);
    });
  };
  add('on-run-start', c.onRunStart);
  add('on-run-end', c.onRunEnd);
}
