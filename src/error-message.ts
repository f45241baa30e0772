/** A thrown value's message for a log line or a problem sentence: anything can be thrown, not only Errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A thrown value as an Error, for a promise to reject with. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The errno code of a failed system call (`EADDRINUSE`, `ENOENT`...), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  return error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
}
