/**
 * The Medallion Models tree in the explorer: project → layer (the layers in use from upstream to
 * downstream, then other) → source, seed, model or snapshot; for a project without layers,
 * project → its folders (nested, with counts) instead; then the project's exposures (what reads it).
 * An icon per resource type, the last run's status, a source's last freshness check when it is
 * stale, a click that opens the definition, and a name filter. The server answers
 * `medallion/models`; the tree refreshes when an analysis completes or a run reports.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ModelsRequest, type ModelsFolder, type ModelsResult, type ModelsTreeNode } from '../../server/src/lsp/protocol';
import type { RunStatus } from './run-status';

type Project = ModelsResult['projects'][number];
export type ModelsElement =
  | { kind: 'project'; project: Project }
  | { kind: 'layer'; project: Project; name: string; nodes: ModelsTreeNode[] }
  | { kind: 'folder'; project: Project; folder: ModelsFolder }
  | { kind: 'exposures'; project: Project; nodes: ModelsTreeNode[] }
  | { kind: 'node'; project: Project; node: ModelsTreeNode };

const TYPE_ICON: Record<ModelsTreeNode['resourceType'], string> = { source: 'inbox', seed: 'table', model: 'symbol-class', snapshot: 'history', exposure: 'graph' };
const STATUS_ICON: Record<string, [string, string]> = {
  running: ['sync~spin', 'charts.blue'],
  success: ['pass', 'testing.iconPassed'],
  pass: ['pass', 'testing.iconPassed'],
  error: ['error', 'testing.iconFailed'],
  fail: ['error', 'testing.iconFailed'],
  warn: ['warning', 'list.warningForeground'],
  skipped: ['circle-slash', 'testing.iconSkipped'],
  cancelled: ['circle-slash', 'testing.iconSkipped'],
};

export class ModelsView implements vscode.TreeDataProvider<ModelsElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelsElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private cache: Promise<ModelsResult> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Only nodes whose name contains this (case-insensitive) are listed. */
  private filterText: string | undefined;

  constructor(
    private readonly client: LanguageClient,
    private readonly status: RunStatus,
  ) {
    this.subscriptions.push(status.onDidChange(() => this.changed.fire(undefined)));
  }

  /** Asks the server again (debounced: an edit burst or a run's events refresh once). */
  refresh(delay = 200): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.cache = undefined;
      this.changed.fire(undefined);
    }, delay);
  }

  get filter(): string | undefined {
    return this.filterText;
  }

  setFilter(text: string | undefined): void {
    this.filterText = text?.trim() ? text.trim().toLowerCase() : undefined;
    this.changed.fire(undefined);
  }

  /** The projects as the server last answered (for Run Layer's choices). */
  projects(): Promise<ModelsResult['projects']> {
    return this.models().then((r) => r.projects);
  }

  private matches(node: ModelsTreeNode): boolean {
    return this.filterText === undefined || node.name.toLowerCase().includes(this.filterText);
  }

  private matching(folder: ModelsFolder): number {
    if (this.filterText === undefined) return folder.count;
    return folder.nodes.filter((n) => this.matches(n)).length + folder.folders.reduce((k, f) => k + this.matching(f), 0);
  }

  private models(): Promise<ModelsResult> {
    this.cache ??= Promise.resolve(this.client.sendRequest<ModelsResult>(ModelsRequest, {})).catch(() => {
      this.cache = undefined;
      return { projects: [] };
    });
    return this.cache;
  }

  async getChildren(element?: ModelsElement): Promise<ModelsElement[]> {
    if (!element) {
      const { projects } = await this.models();
      return projects.map((project) => ({ kind: 'project', project }));
    }
    const { project } = element;
    if (element.kind === 'project') {
      const groups: ModelsElement[] =
        project.grouping === 'folder'
          ? (project.folders ?? []).filter((f) => this.matching(f) > 0).map((folder) => ({ kind: 'folder', project, folder }))
          : project.layers.filter((l) => this.filterText === undefined || l.nodes.some((n) => this.matches(n))).map((l) => ({ kind: 'layer', project, name: l.name, nodes: l.nodes }));
      const exposures = project.exposures ?? [];
      return exposures.some((n) => this.matches(n)) ? [...groups, { kind: 'exposures', project, nodes: exposures }] : groups;
    }
    if (element.kind === 'layer' || element.kind === 'exposures') return element.nodes.filter((n) => this.matches(n)).map((node) => ({ kind: 'node', project, node }));
    if (element.kind === 'folder') {
      const folders: ModelsElement[] = element.folder.folders.filter((f) => this.matching(f) > 0).map((folder) => ({ kind: 'folder', project, folder }));
      return [...folders, ...element.folder.nodes.filter((n) => this.matches(n)).map((node): ModelsElement => ({ kind: 'node', project, node }))];
    }
    return [];
  }

  getTreeItem(element: ModelsElement): vscode.TreeItem {
    if (element.kind === 'project') {
      const item = new vscode.TreeItem(element.project.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `project:${element.project.root}`;
      item.description = element.project.root;
      item.iconPath = new vscode.ThemeIcon('project');
      item.contextValue = 'medallion.project';
      return item;
    }
    if (element.kind === 'folder') {
      const { folder } = element;
      // Top-level folders start open; a filter opens every folder that has a match (a new id, a new state).
      const open = this.filterText !== undefined || !folder.path.includes('/');
      const item = new vscode.TreeItem(folder.name, open ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `folder:${element.project.root}:${folder.path}${this.filterText !== undefined ? `?${this.filterText}` : ''}`;
      item.description = this.filterText !== undefined ? `${this.matching(folder)} of ${folder.count}` : `${folder.count}`;
      item.tooltip = `${folder.path}: ${folder.count} nodes`;
      item.iconPath = vscode.ThemeIcon.Folder;
      item.contextValue = 'medallion.folder';
      return item;
    }
    if (element.kind === 'exposures') {
      const item = new vscode.TreeItem('exposures', vscode.TreeItemCollapsibleState.Expanded);
      item.id = `exposures:${element.project.root}${this.filterText !== undefined ? `?${this.filterText}` : ''}`;
      const shown = element.nodes.filter((n) => this.matches(n)).length;
      item.description = this.filterText !== undefined ? `${shown} of ${element.nodes.length}` : `${element.nodes.length}`;
      item.tooltip = 'Dashboards, notebooks and other readers of the project (yml exposures): never run';
      item.iconPath = new vscode.ThemeIcon('graph');
      item.contextValue = 'medallion.exposures';
      return item;
    }
    if (element.kind === 'layer') {
      const item = new vscode.TreeItem(element.name, element.nodes.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.id = `layer:${element.project.root}:${element.name}${this.filterText !== undefined ? `?${this.filterText}` : ''}`;
      const shown = element.nodes.filter((n) => this.matches(n)).length;
      item.description = this.filterText !== undefined ? `${shown} of ${element.nodes.length}` : `${element.nodes.length}`;
      item.iconPath = new vscode.ThemeIcon('layers');
      // A layer runs when it has something runnable (landing holds sources; other is no selector).
      const runnable = element.name !== 'other' && element.nodes.some((n) => n.resourceType !== 'source');
      item.contextValue = runnable ? 'medallion.layer' : 'medallion.layer.static';
      return item;
    }
    const { node } = element;
    const last = this.status.get(node.id);
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
    item.id = `node:${element.project.root}:${node.id}`;
    const kind = node.resourceType === 'model' || node.resourceType === 'exposure' ? node.materialized : node.resourceType;
    // A source past warn_after/error_after at the last freshness check says so.
    const stale = node.freshness && node.freshness.status !== 'pass' ? `stale (${node.freshness.status}${node.freshness.age ? `, ${node.freshness.age} old` : ''})` : undefined;
    item.description = [kind, ...(last ? [`${last.status}${last.restored ? ' (last session)' : ''}`] : []), ...(stale ? [stale] : [])].join(' · ');
    const icon = stale ? STATUS_ICON[node.freshness!.status === 'warn' ? 'warn' : 'error'] : last ? STATUS_ICON[last.status] : undefined;
    item.iconPath = icon ? new vscode.ThemeIcon(icon[0], new vscode.ThemeColor(icon[1])) : new vscode.ThemeIcon(TYPE_ICON[node.resourceType]);
    const tooltip = new vscode.MarkdownString(`**${node.name}** — ${node.resourceType}${node.layer ? ` · ${node.layer}` : ''}${node.resourceType === 'model' || node.resourceType === 'exposure' ? ` · ${node.materialized}` : ''}`);
    if (last) tooltip.appendMarkdown(`\n\nLast run: **${last.status}** at ${last.at.toLocaleString()}`).appendText(last.message ? `\n${last.message.split('\n')[0]}` : '');
    if (node.freshness) tooltip.appendMarkdown(`\n\nFreshness: **${node.freshness.status}**${node.freshness.age ? `, newest data ${node.freshness.age} old` : ''}${node.freshness.checkedAt ? ` (checked ${new Date(node.freshness.checkedAt).toLocaleString()})` : ''}`);
    item.tooltip = tooltip;
    item.contextValue = `medallion.${node.resourceType}`;
    item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(node.uri), { selection: new vscode.Range(node.range.start.line, node.range.start.character, node.range.end.line, node.range.end.character), preview: true }] };
    return item;
  }

  /** What the tree shows, as text (for tests and screen readers): labels and descriptions, nested. */
  async snapshot(element?: ModelsElement): Promise<Array<{ label: string; description: string; contextValue: string; children: unknown[] }>> {
    const out = [];
    for (const child of await this.getChildren(element)) {
      const item = this.getTreeItem(child);
      out.push({ label: String(item.label), description: String(item.description ?? ''), contextValue: item.contextValue ?? '', children: await this.snapshot(child) });
    }
    return out;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

