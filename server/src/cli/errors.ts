/**
 * How the command line tells failures apart: programming mistakes (a stack trace with
 * MEDALLION_DEBUG=1) from conditions a user can fix. Engine failures are explained by
 * runner/failures.ts, shared with the language server.
 */
/** Errors that are programming mistakes rather than conditions a user can fix. */
export function isBug(err: unknown): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError;
}
