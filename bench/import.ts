import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';

export interface ImportParseResult {
  format: string;
  fileBytes: number;
  read: number;
  kept: number;
  ms: number;
  peakRssMb: number;
  /** Resident set size of the same child before the file was opened. */
  startRssMb: number;
}

const DAY = 86_400;

/** A Spotify extended history of about `megabytes` MB: a play every 3 minutes going back from now. */
async function writeSpotify(file: string, megabytes: number, now: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('[\n');
  let bytes = 2;
  for (let i = 0; bytes < megabytes * 1024 * 1024; i += 1) {
    const ended = now - i * 180;
    const podcast = i % 50 === 0;
    const line = `${i === 0 ? '' : ',\n'}${JSON.stringify({
      ts: new Date(ended * 1000).toISOString(),
      username: 'someone',
      platform: 'Android OS 14 API 34 (Google, Pixel 8)',
      ms_played: i % 7 === 0 ? 12_000 : 185_000,
      conn_country: 'DE',
      ip_addr_decrypted: '192.0.2.1',
      master_metadata_track_name: podcast ? null : `Track ${i % 5000}`,
      master_metadata_album_artist_name: podcast ? null : `Artist ${i % 700}`,
      master_metadata_album_album_name: podcast ? null : `Album ${i % 1200}`,
      spotify_track_uri: podcast ? null : `spotify:track:${String(i).padStart(22, '0')}`,
      episode_name: podcast ? 'An episode' : null,
      spotify_episode_uri: podcast ? 'spotify:episode:x' : null,
      reason_start: 'trackdone',
      reason_end: 'trackdone',
      shuffle: false,
      skipped: null,
      offline: false,
    })}`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end('\n]\n');
  await once(out, 'finish');
}

function writeScrobblerLog(file: string, lines: number, now: number): void {
  const rows = ['#AUDIOSCROBBLER/1.1', '#TZ/UTC', '#CLIENT/Rockbox ipodvideo $Revision$'];
  for (let i = 0; i < lines; i += 1) rows.push([`Artist ${i % 300}`, `Album ${i % 800}`, `Title ${i}`, String(i % 14), '215', i % 10 === 0 ? 'S' : 'L', String(now - (lines - i) * 60), ''].join('\t'));
  writeFileSync(file, `${rows.join('\n')}\n`);
}

function parseInChild(file: string, now: number): Promise<{ ms: number; peakRssKb: number; startRssKb: number; read: number; kept: number; format: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'import-child.js'), file, String(now)], { maxBuffer: 1024 * 1024 }, (error, stdout) => {
      if (error !== null) reject(new Error(`the import child failed: ${error.message}`));
      else resolve(JSON.parse(stdout) as { ms: number; peakRssKb: number; startRssKb: number; read: number; kept: number; format: string });
    });
  });
}

/** A 50 MB Spotify history and a 10,000-line .scrobbler.log, each read and summarised in a child process. */
export async function measureImportParsing(): Promise<ImportParseResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-import-'));
  const now = Math.floor(Date.now() / 1000);
  try {
    const spotify = path.join(dir, 'Streaming_History_Audio_2025.json');
    await writeSpotify(spotify, 50, now);
    const log = path.join(dir, '.scrobbler.log');
    writeScrobblerLog(log, 10_000, now - DAY);
    const results: ImportParseResult[] = [];
    for (const file of [spotify, log]) {
      const run = await parseInChild(file, now);
      results.push({ format: run.format, fileBytes: statSync(file).size, read: run.read, kept: run.kept, ms: Math.round(run.ms), peakRssMb: Math.round(run.peakRssKb / 102.4) / 10, startRssMb: Math.round(run.startRssKb / 102.4) / 10 });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
