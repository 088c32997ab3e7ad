/**
 * One run at a time per project: a second run waits for the running one (it is told so, and can
 * be cancelled while it waits), then starts, in the order runs were asked for. Two builds of one
 * project at once would race on the same relations and on target/'s artifacts.
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
