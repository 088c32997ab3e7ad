/**
 * One run at a time per key (a project, a DuckDB file): a second run waits for the running one (it
 * is told so, and can be cancelled while it waits), then starts, in the order runs were asked for.
 * Two builds of one project at once would race on the same relations and on target/'s artifacts;
 * two projects on one DuckDB file would write through its one shared instance at once.
 */
export class RunQueue {
  private tail: Promise<void> = Promise.resolve();
  private running: string | undefined;
  private waiting = 0;

  /** What is running now (its title), if anything. */
  get current(): string | undefined {
    return this.running;
  }

  /**
   * Resolves with a `done` to call when the run ends, once every run asked for before has ended.
   * `onWait` is told when the run has to wait and for what; an abort while waiting rejects.
   */
  async enter(title: string, onWait: (running: string) => void, signal?: AbortSignal): Promise<() => void> {
    const before = this.tail;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.tail = before.then(() => mine);
    if (this.running !== undefined || this.waiting > 0) onWait(this.running ?? 'an earlier run');
    this.waiting++;
    try {
      await new Promise<void>((resolve, reject) => {
        const abort = (): void => reject(new Error('Cancelled while waiting for the running build'));
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort, { once: true });
        void before.then(() => {
          signal?.removeEventListener('abort', abort);
          resolve();
        });
      });
    } catch (err) {
      // Leaves the queue: the runs behind it wait only for the ones before it.
      this.waiting--;
      done();
      throw err;
    }
    this.waiting--;
    this.running = title;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.running = undefined;
      done();
    };
  }
}

/**
 * Enters several queues (a project's, then its database file's), each only after the one before:
 * every run takes them in that order, so two runs never wait on each other. One `done` leaves
 * them all; an abort while waiting leaves the ones already entered.
 */
export async function enterAll(queues: Array<{ queue: RunQueue; onWait: (running: string) => void }>, title: string, signal?: AbortSignal): Promise<() => void> {
  const entered: Array<() => void> = [];
  const leaveAll = (): void => {
    for (const leave of entered.splice(0).reverse()) leave();
  };
  try {
    for (const { queue, onWait } of queues) entered.push(await queue.enter(title, onWait, signal));
  } catch (err) {
    leaveAll();
    throw err;
  }
  return leaveAll;
}
