/** What a run event tells an editor about its node, for dbt-style log lines (type, materialization, relation, rows, seconds). */
import type { ProjectNode } from '../core/model';
import type { NodeResult } from '../runner/types';
import type { RunEventMessage } from './protocol';

export function runEventDetails(node: ProjectNode, relation?: string): Partial<RunEventMessage> {
  return { resourceType: node.resourceType, materialized: node.config.materialized, ...(relation ? { relation } : {}) };
}

export function runResultDetails(result: NodeResult, node?: ProjectNode): Partial<RunEventMessage> {
  return {
    resourceType: result.resourceType,
    ...(node ? { materialized: node.config.materialized } : {}),
    seconds: result.seconds,
    ...(result.relation ? { relation: result.relation } : {}),
    ...(result.rows !== undefined ? { rows: result.rows } : {}),
    ...(result.failures !== undefined ? { failures: result.failures } : {}),
  };
}
