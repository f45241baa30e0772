import type { Json } from '../../lastfm/parse';
import type { SandboxState } from '../state';

export interface MethodCall {
  params: Record<string, string>;
  httpMethod: 'GET' | 'POST';
  state: SandboxState;
}

export interface SandboxMethod {
  /** Requires a valid api_sig. */
  signed: boolean;
  /** Refused unless sent as a POST (Last.fm answers error 4 otherwise for auth.getMobileSession). */
  postOnly?: boolean;
  handle(call: MethodCall): Json;
}

export function required(params: Record<string, string>, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value === '' ? undefined : value;
}
