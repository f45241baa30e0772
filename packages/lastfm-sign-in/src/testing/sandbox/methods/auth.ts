import { createHash } from 'node:crypto';
import { SandboxApiError, missingParameter } from '../api-error';
import type { DemoAccount } from '../credentials';
import { sessionAnswer, tokenAnswer } from '../shapes';
import type { SandboxState } from '../state';
import { required, type SandboxMethod } from './types';

function newSession(state: SandboxState, name: string) {
  return sessionAnswer({ name, key: state.issueSessionKey(name), subscriber: state.account(name)?.subscriber === true });
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * `password`, or the older `authToken = md5(username + md5(password))`: deprecated, but
 * well-known clients still send it and Last.fm answered it.
 */
function passwordMatches(account: DemoAccount, username: string, params: Record<string, string>): boolean {
  const password = required(params, 'password');
  if (password !== undefined) return password === account.password;
  return required(params, 'authToken')?.toLowerCase() === md5(username + md5(account.password));
}

// Real Last.fm has answered it unsigned; a signature, when sent, is still checked.
export const getToken: SandboxMethod = {
  signed: false,
  handle: ({ state }) => tokenAnswer(state.issueToken()),
};

export const getSession: SandboxMethod = {
  signed: true,
  handle: ({ params, state }) => {
    const token = required(params, 'token');
    if (token === undefined) throw missingParameter('token');
    const check = state.redeemToken(token);
    if (!check.ok) {
      const messages = { 4: 'Invalid authentication token supplied', 14: 'Unauthorized Token - This token has not been authorized', 15: 'This token has expired' };
      throw new SandboxApiError(check.code, messages[check.code]);
    }
    return newSession(state, check.user);
  },
};

export const getMobileSession: SandboxMethod = {
  signed: true,
  postOnly: true,
  handle: ({ params, state }) => {
    const username = required(params, 'username');
    if (username === undefined) throw missingParameter('username');
    if (required(params, 'password') === undefined && required(params, 'authToken') === undefined) throw missingParameter('password');
    const account = state.account(username);
    if (account === undefined || !passwordMatches(account, username, params)) {
      throw new SandboxApiError(4, 'Authentication Failed - You do not have permissions to access the service');
    }
    return newSession(state, account.name);
  },
};
