import { SandboxApiError, missingParameter } from '../api-error';
import { itemKey } from '../library';
import { doneAnswer, topTagsAnswer } from '../shapes';
import { required, type SandboxMethod } from './types';

type TagType = 'artist' | 'album' | 'track';

function targetKey(type: TagType, params: Record<string, string>): string {
  const names = type === 'artist' ? ['artist'] : type === 'album' ? ['artist', 'album'] : ['artist', 'track'];
  const values = [];
  for (const name of names) {
    const value = required(params, name);
    if (value === undefined) throw missingParameter(name);
    values.push(value);
  }
  return itemKey(type, ...values);
}

export function addTags(type: TagType): SandboxMethod {
  return {
    signed: true,
    postOnly: true,
    handle: ({ params, state }) => {
      const user = state.userOfSessionKey(params.sk);
      const key = targetKey(type, params);
      const raw = required(params, 'tags');
      if (raw === undefined) throw missingParameter('tags');
      const tags = raw.split(',').map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== '');
      if (tags.length === 0) throw missingParameter('tags');
      if (tags.length > 10) throw new SandboxApiError(6, 'Invalid parameters - at most 10 tags per call');
      const all = state.library.of(user).tags;
      const set = all.get(key) ?? new Set<string>();
      for (const tag of tags) set.add(tag);
      all.set(key, set);
      return doneAnswer();
    },
  };
}

export function removeTag(type: TagType): SandboxMethod {
  return {
    signed: true,
    postOnly: true,
    handle: ({ params, state }) => {
      const user = state.userOfSessionKey(params.sk);
      const key = targetKey(type, params);
      const tag = required(params, 'tag');
      if (tag === undefined) throw missingParameter('tag');
      state.library.of(user).tags.get(key)?.delete(tag.trim().toLowerCase());
      return doneAnswer();
    },
  };
}

/** The user's tags with how many items carry each, most used first. */
export const userTopTags: SandboxMethod = {
  signed: false,
  handle: ({ params, state }) => {
    const name = required(params, 'user');
    if (name === undefined) throw missingParameter('user');
    const account = state.account(name);
    if (account === undefined) throw new SandboxApiError(6, 'User not found');
    const counts = new Map<string, number>();
    for (const tags of state.library.of(account.name).tags.values()) for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    const tags = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([tagName, count]) => ({ name: tagName, count }));
    return topTagsAnswer(account.name, tags);
  },
};
