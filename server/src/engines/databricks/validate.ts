/**
 * Syntax validation by the Databricks warehouse itself, when one is configured and reachable:
 * `explain <compiled SQL>` on a session kept open between saves. Only parse errors (SQLSTATE
 * 42601) are reported: a table that is not built yet or a permission is not a problem in the
 * code, and valid Databricks SQL must never be underlined.
 */
import type { Target } from '../../core/profiles';
import { EngineError, type EngineSession, type SyntaxProblem } from '../engine';
import { DatabricksEngine } from './engine';

export class DatabricksSyntaxChecker {
  private opened: Promise<{ engine: DatabricksEngine; session: EngineSession }> | undefined;

  constructor(
    private readonly target: Target,
    private readonly env: Record<string, string | undefined>,
  ) {}

  /** A problem, nothing (valid, or not connected: `onUnavailable` says why once). */
  async check(sql: string, onUnavailable?: (why: string) => void): Promise<SyntaxProblem | undefined> {
    let connected: { engine: DatabricksEngine; session: EngineSession };
    try {
      this.opened ??= DatabricksEngine.open(this.target, this.env).then(async (engine) => ({ engine, session: await engine.acquire() }));
      connected = await this.opened;
    } catch (err) {
      onUnavailable?.((err as Error).message);
      return undefined;
    }
    try {
      // Same line as the SQL, so the warehouse's line numbers are the compiled SQL's.
      await connected.session.execute(`explain ${sql}`);
      return undefined;
    } catch (err) {
      if (!(err instanceof EngineError) || err.code !== '42601') return undefined;
      const first = err.message.split('\n')[0]!.replace(/\s*\(line \d+, pos \d+\)\s*$/, '').trim();
      return err.line !== undefined ? { message: first, line: err.line } : { message: first };
    }
  }

  async close(): Promise<void> {
    const opened = await this.opened?.catch(() => undefined);
    await opened?.engine.close();
  }
}
