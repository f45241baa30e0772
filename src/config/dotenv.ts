/**
 * Checks a .env file's lines before Node's loader reads it. Node's loader skips a line without
 * `=` without a word (and with it the variable the person meant to set), so such a line stops the
 * app instead, named by its number and never by its text, which may hold a secret.
 */

/** The first malformed line of a .env text as one sentence, or undefined when every line is well formed. */
export function dotEnvProblem(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  let openQuote: string | undefined;
  for (const [index, line] of lines.entries()) {
    if (openQuote !== undefined) {
      // Inside a quoted value that spans lines (Node accepts these): only its closing quote matters.
      if (line.includes(openQuote)) openQuote = undefined;
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=(.*)$/.exec(trimmed);
    if (match === null) return `.env line ${index + 1} is not NAME=value (write NAME=value, or start the line with # for a comment)`;
    const value = (match[2] ?? '').trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && !value.slice(1).includes(quote)) openQuote = quote;
  }
  return undefined;
}
