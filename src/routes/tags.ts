import { Router } from 'express';
import type { AccountService } from '../services/account';
import { accountFor, readForm, reportDone } from './signed-in';
import { describeTarget, readTagTarget, readTags, MAX_TAG_LENGTH } from './tag-input';
import { requiredText } from './track-input';

/** The person's own tags on an artist, album or track. Mounted at /tags. */
export function createTagsRouter({ accounts, basePath }: { accounts: AccountService; basePath: string }): Router {
  const router = Router();

  router.post('/add', async (req, res) => {
    const { target, tags } = readForm(req, 'tags-add', (body) => ({ target: readTagTarget(body), tags: readTags(body) }));
    await accountFor(accounts, req).addTags(target, tags);
    reportDone(req, res, basePath, { kind: 'success', message: `Tagged ${describeTarget(target)} with: ${tags.join(', ')}.`, details: [] }, { target, tags });
  });

  router.post('/remove', async (req, res) => {
    const { target, tag } = readForm(req, 'tags-remove', (body) => ({ target: readTagTarget(body), tag: requiredText(body, 'tag', MAX_TAG_LENGTH) }));
    await accountFor(accounts, req).removeTag(target, tag);
    reportDone(req, res, basePath, { kind: 'success', message: `Removed the tag "${tag}" from ${describeTarget(target)}.`, details: [] }, { target, tag });
  });

  return router;
}
