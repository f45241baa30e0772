import { lastfmFor } from './caller';
import { Router } from 'express';
import type { LastfmClient } from '../lastfm/client';
import { forAccount, readForm, reportDone, requireUser, type AccountDeps } from './account';
import { describeTarget, readTagTarget, readTags, requiredText, MAX_TAG_LENGTH } from './track-input';

export interface TagRoutesDeps extends AccountDeps {
  lastfm: LastfmClient;
}

/** The person's own tags on an artist, album or track. */
export function createTagsRouter(deps: TagRoutesDeps): Router {
  const { config, lastfm, cache } = deps;
  const router = Router();

  router.post('/tags/add', async (req, res) => {
    const user = requireUser(req);
    const { target, tags } = readForm(req, 'tags-add', (body) => ({ target: readTagTarget(body), tags: readTags(body) }));
    await forAccount(req, res, deps, () => lastfmFor(lastfm, req).addTags(user.key, target, tags));
    await cache.invalidate(user.name);
    reportDone(req, res, config, { kind: 'success', message: `Tagged ${describeTarget(target)} with: ${tags.join(', ')}.`, details: [] }, { target, tags });
  });

  router.post('/tags/remove', async (req, res) => {
    const user = requireUser(req);
    const { target, tag } = readForm(req, 'tags-remove', (body) => ({ target: readTagTarget(body), tag: requiredText(body, 'tag', MAX_TAG_LENGTH) }));
    await forAccount(req, res, deps, () => lastfmFor(lastfm, req).removeTag(user.key, target, tag));
    await cache.invalidate(user.name);
    reportDone(req, res, config, { kind: 'success', message: `Removed the tag "${tag}" from ${describeTarget(target)}.`, details: [] }, { target, tag });
  });

  return router;
}
