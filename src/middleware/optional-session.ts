import type { RequestHandler } from 'express';

/**
 * The session for a page that must answer without one (the setup check): `steps` (the session
 * middleware and the checks that follow it everywhere else) run when the store answers, so the
 * page can say who is signed in; when a step fails, the page goes on without a session.
 */
export function sessionIfAvailable(steps: readonly RequestHandler[], locals: RequestHandler): RequestHandler {
  return (req, res, next) => {
    let settled = false;
    const withoutSession = (): void => {
      if (settled) return;
      settled = true;
      next();
    };
    const run = (index: number): void => {
      const step = steps[index];
      if (step === undefined) {
        settled = true;
        locals(req, res, next);
        return;
      }
      const advance = (error?: unknown): void => {
        if (error !== undefined && error !== null) withoutSession();
        else run(index + 1);
      };
      // Express 5 handlers may be async: a rejection here means no session, not a failed page.
      const result: unknown = step(req, res, advance);
      if (result instanceof Promise) result.catch(withoutSession);
    };
    run(0);
  };
}
