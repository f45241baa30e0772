/** How many web service calls the stand-in received, per method, so tests can check retry budgets. */
export class SandboxCallCounter {
  private readonly counts = new Map<string, number>();

  record(method: string): void {
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
  }

  /** Calls to `method` so far, planned failures included. */
  of(method: string): number {
    return this.counts.get(method) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }

  reset(): void {
    this.counts.clear();
  }
}
