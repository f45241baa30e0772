/** Ways the stand-in can be told to misbehave, so failure handling can be tested end to end. */
export type SandboxFault =
  | { kind: 'error'; code: number; message?: string }
  /** A 500 with an HTML body, as a broken proxy in front of Last.fm sends. */
  | { kind: 'html-500' }
  /** Answers normally, but only after this long. */
  | { kind: 'slow'; delayMs: number }
  /** Closes the connection without answering. */
  | { kind: 'drop' }
  /** Carries out the call, then answers 200 with its answer (JSON or XML) cut off halfway, as a broken proxy or cache may. */
  | { kind: 'malformed-json' }
  /**
   * Carries out the call, sends the headers and the first half of the answer, then nothing more and
   * never closes, until the client gives up (or the server closes its connections).
   */
  | { kind: 'never-ends' };

/** A queue of faults for the next web service calls; each planned fault is used up by one call. */
export class SandboxFaults {
  private readonly planned: SandboxFault[] = [];

  /** The next `times` calls get `fault`, after any faults already planned. */
  plan(fault: SandboxFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.planned.push(fault);
  }

  take(): SandboxFault | undefined {
    return this.planned.shift();
  }

  clear(): void {
    this.planned.length = 0;
  }

  get pending(): number {
    return this.planned.length;
  }
}
