import { SandboxApiError, missingParameter } from '../api-error';
import type { SandboxState } from '../state';
import { required, type SandboxMethod } from './types';

function sessionAnswer(state: SandboxState, name: string) {
  const account = state.account(name);
  // Last.fm sends `subscriber` as a number here and as a string elsewhere; clients must take both.
  return { session: { name, key: state.issueSessionKey(name), subscriber: account?.subscriber === true ? 1 : 0 } };
}

export const authMethods: Record<string, SandboxMethod> = {
  'auth.getToken': {
    signed: true,
    handle: ({ state }) => ({ token: state.issueToken() }),
  },

  'auth.getSession': {
    signed: true,
    handle: ({ params, state }) => {
      const token = required(params, 'token');
      if (token === undefined) throw missingParameter('token');
      const check = state.redeemToken(token);
      if (!check.ok) {
        const messages = { 4: 'Invalid authentication token supplied', 14: 'Unauthorized Token - This token has not been authorized', 15: 'This token has expired' };
        throw new SandboxApiError(check.code, messages[check.code]);
      }
      return sessionAnswer(state, check.user);
    },
  },

  'auth.getMobileSession': {
    signed: true,
    postOnly: true,
    handle: ({ params, state }) => {
      const username = required(params, 'username');
      const password = required(params, 'password');
      if (username === undefined) throw missingParameter('username');
      if (password === undefined) throw missingParameter('password');
      const account = state.account(username);
      if (account === undefined || account.password !== password) {
        throw new SandboxApiError(4, 'Authentication Failed - You do not have permissions to access the service');
      }
      return sessionAnswer(state, account.name);
    },
  },
};
