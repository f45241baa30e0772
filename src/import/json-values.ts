/**
 * Splits a stream of JSON text into its values one at a time: the items of one top-level array
 * (`[{…}, {…}]`), or values written one after another (JSON lines). Only one value's text is held
 * at a time, so a 50 MB export is read in flat memory. Each value comes with the line it starts
 * on. Scalars between values are passed over: an export's plays are objects.
 */
export class JsonValueSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Inside the one top-level array, whose items are the values. */
  private inArray = false;
  /** Read anything but white space yet: only a `[` before that opens the top-level array. */
  private started = false;
  private current = '';
  private startLine = 0;
  private line = 1;

  /** The values completed by this chunk, in order. */
  push(chunk: string): { text: string; line: number }[] {
    const done: { text: string; line: number }[] = [];
    let from = this.current === '' ? -1 : 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) this.line += 1;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === SPACE || c === TAB || c === NEWLINE || c === RETURN) continue;
      const first = !this.started;
      this.started = true;
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (first && c === OPEN_BRACKET) {
          this.inArray = true;
          continue;
        }
        if (this.depth === 0) {
          from = i;
          this.startLine = this.line;
        }
        this.depth += 1;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (this.depth === 0) {
          if (this.inArray && c === CLOSE_BRACKET) this.inArray = false;
          else throw new SyntaxError(`unexpected "${String.fromCharCode(c)}" on line ${this.line}`);
          continue;
        }
        this.depth -= 1;
        if (this.depth === 0 && from >= 0) {
          done.push({ text: this.current + chunk.slice(from, i + 1), line: this.startLine });
          this.current = '';
          from = -1;
        }
      }
    }
    if (from >= 0) this.current += chunk.slice(from);
    return done;
  }

  /** Whether the text ended inside a value or a string. */
  get unfinished(): boolean {
    return this.depth > 0 || this.inString;
  }
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
