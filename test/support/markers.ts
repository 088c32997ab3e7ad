/**
 * Inline span markers for data-driven tests: `«` and `»` surround an expected span and are
 * removed from the text; `‸` marks a cursor offset.
 */
import type { Span } from '../../server/src/core/text';

export interface Marked {
  text: string;
  spans: Span[];
  cursor?: number;
}

export function parseMarkers(marked: string): Marked {
  let text = '';
  const spans: Span[] = [];
  const open: number[] = [];
  let cursor: number | undefined;
  for (const ch of marked) {
    if (ch === '«') open.push(text.length);
    else if (ch === '»') spans.push({ start: open.pop()!, end: text.length });
    else if (ch === '‸') cursor = text.length;
    else text += ch;
  }
  spans.sort((a, b) => a.start - b.start);
  return cursor === undefined ? { text, spans } : { text, spans, cursor };
}
