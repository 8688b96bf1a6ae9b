/**
 * Runs an async task so that at most one execution is in flight; triggers
 * that arrive while it runs are coalesced into exactly one re-run after it.
 * This is how watch events, reconnects and retries funnel into one
 * "re-read and reconcile" routine per component without overlapping.
 */
export class SerialRunner {
  private running: Promise<void> | null = null;
  private pending = false;

  constructor(private readonly task: () => Promise<void>) {}

  trigger(): void {
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.pending = false;
          try {
            await this.task();
          } catch {
            // Tasks handle their own errors; never let one escape as an unhandled rejection.
          }
        } while (this.pending);
      } finally {
        this.running = null;
      }
    })();
  }

  /** Resolves once no execution is in flight or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  get busy(): boolean {
    return this.running !== null;
  }
}
