/**
 * Background work per event-loop turn. The server's background tasks (analysis slices, publications,
 * answers from the cache pack) are each kept short, but Node runs every immediate queued before its
 * check phase back to back: a slice, a publication and a batch of cache answers queued in the same
 * turn add up, and timers and requests wait for all of them. A task asks `allows()` before it starts;
 * once this turn has spent `budgetMs` on background work, the task is queued for the next turn instead.
 */
export class TurnBudget {
  private started = -1;

  constructor(private readonly budgetMs: number) {}

  /** Whether a background task may start in this turn. */
  allows(): boolean {
    const now = performance.now();
    if (this.started < 0) {
      this.started = now;
      // Immediates queued while the check phase runs wait for the next turn, which is when this
      // turn's account is closed.
      setImmediate(() => {
        this.started = -1;
      });
      return true;
    }
    return now - this.started < this.budgetMs;
  }
}
