import { serveParent } from './child';
import { StrictStandIn } from './strict-stand-in';

/** Counted methods: the reads of the signed-in home, and the writes and sign-ins the benches make. */
export const COUNTED_METHODS = ['user.getInfo', 'user.getRecentTracks', 'user.getTopTags', 'track.love', 'track.scrobble', 'auth.getToken', 'auth.getSession'] as const;

/**
 * The strict stand-in in its own process: in the load generator's process its answers (and so
 * the slots the app holds until a second after each answer) would wait on the load generator.
 */
async function main(): Promise<void> {
  const standIn = await new StrictStandIn(Number(process.argv[2] ?? '5'), Number(process.argv[3] ?? '0')).start();
  serveParent(standIn.port, () => standIn.counters(COUNTED_METHODS));
}

if (require.main === module) void main();
