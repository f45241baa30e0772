import { randomUUID } from 'node:crypto';
import type { LastfmClient } from 'lastfm-sign-in';
import { InputError } from '../errors';
import { playKey, readImport, FORMAT_NAMES, ImportFormatError, type ImportFormat, type LeftOutExample } from '../import/read-import';
import type { ImportedPlay, LeftOutReason } from '../import/play';
import type { ZoneClock } from '../import/time-zone';
import type { ScrobbleOutbox } from '../outbox/scrobble-outbox';
import type { ImportStaging } from '../shared-state/shared-state';
import type { AccountUser } from './account';

/** How long a summary waits for the person to confirm it. */
export const IMPORT_TTL_MS = 60 * 60 * 1000;
/** Pages of 200 of the person's Last.fm history read to find plays it already has (5,000 plays). */
const MAX_HISTORY_PAGES = 25;
const HISTORY_PAGE_SIZE = 200;

/** What an import will do, shown before anything is queued. */
export interface ImportPreview {
  importId: string;
  format: ImportFormat;
  formatName: string;
  read: number;
  toSend: number;
  leftOut: Partial<Record<LeftOutReason, number>>;
  examples: LeftOutExample[];
  /** The oldest and newest play to send, UTC seconds; undefined when there is none. */
  from: number | undefined;
  to: number | undefined;
}

interface Staged extends ImportPreview {
  plays: { artist: string; track: string; album?: string | undefined; timestamp: number }[];
}

/** The history is too long to compare in one go: the person imports a shorter stretch. */
export class ImportTooLongError extends InputError {
  constructor() {
    super('file', `The file covers more than ${(MAX_HISTORY_PAGES * HISTORY_PAGE_SIZE).toLocaleString('en')} of your Last.fm plays, too many to compare at once. Import a shorter stretch of time.`);
  }
}

/**
 * Imports of listening history: a file is read and summarised (what will be sent, what is left out
 * and why, nothing queued), kept for the person to confirm, and only then queued in the outbox with
 * the times played. Plays Last.fm already has, or the outbox already holds, are not sent again.
 */
export class ImportService {
  constructor(
    private readonly deps: {
      lastfm: LastfmClient;
      outbox: ScrobbleOutbox;
      staging: ImportStaging;
      now: () => number;
      /** The outbox's cap on a person's waiting scrobbles (OUTBOX_MAX_PER_PERSON): an import fits in what is left. */
      maxPlays: number;
    },
  ) {}

  /** Reads the whole file and keeps the summary for confirmation; nothing is queued. */
  async preview(user: AccountUser, source: AsyncIterable<Buffer | string>, options: { fileName?: string; zone?: ZoneClock; call: { requestId: string | undefined; caller: string } }): Promise<ImportPreview> {
    const nowSeconds = Math.floor(this.deps.now() / 1000);
    const waiting = await this.deps.outbox.view(user.name, this.deps.maxPlays);
    let summary;
    try {
      summary = await readImport(source, { nowSeconds, maxKept: Math.max(0, this.deps.maxPlays - waiting.waiting), ...(options.fileName === undefined ? {} : { fileName: options.fileName }), ...(options.zone === undefined ? {} : { zone: options.zone }) });
    } catch (error) {
      if (error instanceof ImportFormatError) throw new InputError('file', `The file ${error.message}.`);
      throw error;
    }
    const leftOut = { ...summary.leftOut };
    /** The plays not in `known`; those that are count as left out for `reason`. */
    const without = (plays: ImportedPlay[], known: Set<string>, reason: LeftOutReason): ImportedPlay[] => {
      const kept = plays.filter((play) => !known.has(playKey(play)));
      if (kept.length < plays.length) leftOut[reason] = (leftOut[reason] ?? 0) + plays.length - kept.length;
      return kept;
    };
    const queued = new Set(waiting.recent.filter((item) => item.state === 'queued').map(playKey));
    const notQueued = without(summary.plays, queued, 'already-queued');
    const plays = without(notQueued, await this.historyKeys(user.name, notQueued, this.deps.lastfm.forRequest(options.call.requestId, options.call.caller)), 'already-on-lastfm');
    const preview: ImportPreview = {
      importId: randomUUID(),
      format: summary.format,
      formatName: FORMAT_NAMES[summary.format],
      read: summary.read,
      toSend: plays.length,
      leftOut,
      examples: summary.examples,
      from: plays[0]?.timestamp,
      to: plays[plays.length - 1]?.timestamp,
    };
    const staged: Staged = { ...preview, plays: plays.map(({ artist, track, album, timestamp }) => ({ artist, track, album, timestamp })) };
    await this.deps.staging.put(user.name, preview.importId, JSON.stringify(staged), IMPORT_TTL_MS);
    return preview;
  }

  /** The summary of the person's waiting import, if it is still there. */
  async find(user: AccountUser, importId: string): Promise<ImportPreview | undefined> {
    const staged = parseStaged(await this.deps.staging.peek(user.name, importId));
    return staged === undefined ? undefined : previewOf(staged);
  }

  /**
   * Queues the confirmed import's plays with their original times, once: a second confirm finds
   * nothing. Should queueing fail, the import is kept again so the person can confirm it later.
   */
  async confirm(user: AccountUser, importId: string): Promise<{ importId: string; queued: number } | undefined> {
    const raw = await this.deps.staging.take(user.name, importId);
    const staged = parseStaged(raw);
    if (raw === undefined || staged === undefined) return undefined;
    try {
      if (staged.plays.length > 0) await this.deps.outbox.queue(user, staged.plays, importId);
    } catch (error) {
      await this.deps.staging.put(user.name, importId, raw, IMPORT_TTL_MS).catch(() => undefined);
      throw error;
    }
    return { importId, queued: staged.plays.length };
  }

  /** The plays Last.fm already has between the import's first and last play. */
  private async historyKeys(user: string, plays: readonly ImportedPlay[], lastfm: LastfmClient): Promise<Set<string>> {
    const keys = new Set<string>();
    const first = plays[0];
    const last = plays[plays.length - 1];
    if (first === undefined || last === undefined) return keys;
    for (let page = 1; ; page += 1) {
      const { scrobbles, totalPages } = await lastfm.getScrobblesBetween(user, { from: first.timestamp, to: last.timestamp, page, limit: HISTORY_PAGE_SIZE });
      if (totalPages > MAX_HISTORY_PAGES) throw new ImportTooLongError();
      for (const scrobble of scrobbles) keys.add(playKey({ artist: scrobble.artist, track: scrobble.track, timestamp: scrobble.playedAt }));
      if (page >= totalPages) return keys;
    }
  }
}

function previewOf(staged: Staged): ImportPreview {
  const { importId, format, formatName, read, toSend, leftOut, examples, from, to } = staged;
  return { importId, format, formatName, read, toSend, leftOut, examples, from, to };
}

function parseStaged(raw: string | undefined): Staged | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as Staged;
  } catch {
    return undefined;
  }
}
