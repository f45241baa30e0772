import { createReadStream } from 'node:fs';
import { resourceUsage } from 'node:process';
import { readImport } from '../src/import/read-import';

/**
 * Reads one import file the way the upload route does (a stream, in 64 KB chunks) and prints how
 * long it took and the process's peak resident set size, so the file's size and the memory it
 * needs can be compared. Run in its own process, so the peak is this file's alone.
 */
async function main(): Promise<void> {
  const [file = '', now = ''] = process.argv.slice(2);
  const before = resourceUsage().maxRSS;
  const started = performance.now();
  const summary = await readImport(createReadStream(file, { highWaterMark: 64 * 1024 }), { nowSeconds: Number(now), maxKept: 10_000 });
  const ms = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ ms, peakRssKb: resourceUsage().maxRSS, startRssKb: before, read: summary.read, kept: summary.plays.length, leftOut: summary.leftOut, format: summary.format })}\n`);
}

void main();
