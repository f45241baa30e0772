import { EventEmitter } from 'node:events';

/** Tells this instance's waiters that the outbox changed, so they look again at once instead of at their next poll. */
export class ChangeSignal {
  private readonly changes = new EventEmitter();

  constructor() {
    this.changes.setMaxListeners(0);
  }

  notify(): void {
    this.changes.emit('change');
  }

  /** Resolves on this instance's next change to the outbox, or after `ms` (other instances change it unseen). */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.changes.off('change', done);
        resolve();
      };
      // The loop never keeps a process alive on its own: the server (or a test) decides that.
      const timer = setTimeout(done, ms).unref();
      this.changes.once('change', done);
    });
  }
}
