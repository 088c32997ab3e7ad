/**
 * Time and chance as inputs of the core. A render may read them (dbt's `run_started_at`,
 * `modules.datetime.datetime.now()`, Jinja's `random` filter), but the core never reads the
 * machine's clock or draws random numbers itself: the caller gives a `Clock` (the CLI and the
 * language server give the machine's: `server/src/node/clock.ts`), so a render is a function of
 * its inputs and a test can pin it.
 */

export interface Clock {
  /** The instant the invocation started: dbt's `run_started_at`, the same for every read. */
  started(): Date;
  /** The time now (dbt's `modules.datetime` reads the live clock). */
  now(): Date;
  /** A number in [0, 1): what Jinja's `random` filter draws. */
  random(): number;
}

/** The instant a render sees when no caller gave a clock (an obviously fake one: 1970-01-01T00:00:00Z). */
export const UNSET_INSTANT = 0;

/**
 * A clock stopped at `at` (started and now alike) whose random numbers are a fixed sequence from
 * `seed` (mulberry32): the same calls in the same order give the same answers.
 */
export function fixedClock(at: Date | number = UNSET_INSTANT, seed = 0): Clock {
  const time = typeof at === 'number' ? at : at.getTime();
  let state = seed >>> 0;
  return {
    started: () => new Date(time),
    now: () => new Date(time),
    random: () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
