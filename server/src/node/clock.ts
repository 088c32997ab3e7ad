/**
 * The machine's clock as the core's `Clock` input (the core reads none of its own): one
 * `run_started_at` per invocation, the live time for `modules.datetime`, Math.random for `random`.
 */
import { fixedClock, type Clock } from '../core/clock';

export function systemClock(): Clock {
  const started = Date.now();
  return { started: () => new Date(started), now: () => new Date(), random: Math.random };
}

/**
 * The clock of one command-line invocation: the machine's, or with MEDALLION_RUN_STARTED_AT set
 * (reproducible output: tests, diffs between runs) one stopped at that instant with a fixed
 * random sequence. Throws on a value that is not a date.
 */
export function invocationClock(env: Record<string, string | undefined>): Clock {
  const pinned = env.MEDALLION_RUN_STARTED_AT;
  if (!pinned) return systemClock();
  const at = new Date(pinned);
  if (Number.isNaN(at.getTime())) throw new Error(`MEDALLION_RUN_STARTED_AT is not a date: ${pinned}`);
  return fixedClock(at);
}
