/** An error the stand-in answers as Last.fm does, in XML or JSON, with the HTTP status Last.fm has sent with it. */
export class SandboxApiError extends Error {
  override readonly name = 'SandboxApiError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  get httpStatus(): number {
    switch (this.code) {
      // Recorded: Last.fm answers invalid or missing parameters (and "User not found") with a 200.
      case 6:
        return 200;
      case 4:
      case 9:
      case 10:
      case 13:
      case 14:
      case 15:
      case 26:
        return 403;
      case 11:
      case 16:
        return 503;
      case 29:
        return 429;
      default:
        return 400;
    }
  }
}

export const missingParameter = (name: string): SandboxApiError =>
  new SandboxApiError(6, `Invalid parameters - Your request is missing a required parameter (${name})`);
