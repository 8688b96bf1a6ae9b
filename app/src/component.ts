/**
 * Base for the three ZooKeeper-backed features. Each has one idempotent
 * `reconcile` routine (re-read state, re-create own znodes, re-arm watches)
 * that runs serially whenever something may have changed: the session
 * (re)connected, a watch fired, or a previous attempt failed.
 */
import { BackoffOptions, DEFAULT_BACKOFF, backoffDelay } from './backoff';
import type { Logger } from './log';
import { errorFields } from './log';
import { SerialRunner } from './serial';
import type { SessionSnapshot, ZkSession } from './zk';

export abstract class ZkComponent {
  private readonly runner = new SerialRunner(() => this.run());
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private lastGeneration = -1;
  protected stopped = false;

  protected constructor(
    protected readonly session: ZkSession,
    protected readonly logger: Logger,
    private readonly name: string,
    private readonly retryBackoff: BackoffOptions = { ...DEFAULT_BACKOFF, maxMs: 10000 },
  ) {
    session.on('connected', () => this.trigger());
  }

  /** Re-run reconciliation (coalesced with any run in progress). */
  trigger(): void {
    if (!this.stopped) this.runner.trigger();
  }

  /** Resolves when no reconciliation is running or queued (for tests and shutdown). */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  /** True while `snap` still describes the live session (results may be applied). */
  protected isCurrent(snap: SessionSnapshot): boolean {
    return !this.stopped && this.session.generation === snap.generation && this.session.isConnected();
  }

  /** Called once before the first reconcile of each new session generation. */
  protected abstract onNewGeneration(): void;

  protected abstract reconcile(snap: SessionSnapshot): Promise<void>;

  private async run(): Promise<void> {
    if (this.stopped) return;
    const snap = this.session.current();
    if (!snap) return; // wait for the next `connected`
    if (snap.generation !== this.lastGeneration) {
      this.lastGeneration = snap.generation;
      this.onNewGeneration();
    }
    try {
      await this.reconcile(snap);
      this.failures = 0;
    } catch (err) {
      if (this.stopped) return;
      const retry = this.session.isConnected();
      const delayMs = retry ? backoffDelay(this.failures, this.retryBackoff) : null;
      this.failures += 1;
      this.logger.warn(`${this.name}_reconcile_failed`, {
        ...errorFields(err),
        retryInMs: delayMs,
        waitingForReconnect: !retry,
      });
      if (delayMs !== null && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.trigger();
        }, delayMs);
      }
    }
  }
}
