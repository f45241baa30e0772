import type { Answer } from '../answer';
import type { SandboxState } from '../state';

export interface MethodCall {
  /** The parameters exactly as sent, empty values included. */
  params: Record<string, string>;
  httpMethod: 'GET' | 'POST';
  /** Whether the call carried an api_sig that matched (it is refused when one was sent and did not). */
  signedCall: boolean;
  state: SandboxState;
}

export interface SandboxMethod {
  /** Refused without an api_sig. An api_sig that was sent is checked whatever this says. */
  signed: boolean;
  /** Refused unless sent as a POST (Last.fm answers error 4 otherwise for auth.getMobileSession). */
  postOnly?: boolean;
  handle(call: MethodCall): Answer;
}

export function required(params: Record<string, string>, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value === '' ? undefined : value;
}
