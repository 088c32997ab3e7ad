/**
 * The lineage layout in a web worker, so laying out thousands of nodes never blocks the view:
 * one message in (a request id and the graph), one out (the id and the layout).
 */
import { layout, type LayoutInput } from './layout';

const scope = self as unknown as { onmessage: ((e: MessageEvent<{ id: number; input: LayoutInput }>) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (e) => {
  scope.postMessage({ id: e.data.id, output: layout(e.data.input) });
};
