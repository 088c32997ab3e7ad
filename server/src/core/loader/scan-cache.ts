import { TemplateCache } from '../compiler/context';
import { scan, type ScanResult } from '../scanner';

/** Scan results (and parsed templates) keyed by file text; a reload rescans and reparses only what changed. */
export class ScanCache {
  private readonly byPath = new Map<string, { text: string; result: ScanResult }>();
  /** Templates of rendered files, shared by parse time and the compiler. */
  readonly templates = new TemplateCache();

  scan(path: string, text: string): ScanResult {
    const hit = this.byPath.get(path);
    if (hit && hit.text === text) return hit.result;
    const result = scan(text);
    this.byPath.set(path, { text, result });
    return result;
  }
}
