import { scan, type ScanResult } from '../scanner';

/** Scan results keyed by file text; a reload rescans only what changed. */
export class ScanCache {
  private readonly byPath = new Map<string, { text: string; result: ScanResult }>();

  scan(path: string, text: string): ScanResult {
    const hit = this.byPath.get(path);
    if (hit && hit.text === text) return hit.result;
    const result = scan(text);
    this.byPath.set(path, { text, result });
    return result;
  }
}
