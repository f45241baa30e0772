import path from 'node:path';
import type { ChildServer } from './child';
import { profileWhile, timeByArea, type CpuProfile } from './cpu-profile';
import { readFileSync } from 'node:fs';
import { runLoad } from './load';

export interface HomeProfile {
  server: string;
  connections: number;
  seconds: number;
  views: number;
  /** Where the profile was written, to open in Chrome's DevTools or speedscope. */
  file: string;
  /** CPU the app spent per page view (not idle), in microseconds. */
  busyUsPerView: number;
  areas: { area: string; selfUsPerView: number; totalUsPerView: number }[];
}

/** A signed-in `GET /` under load with the server's profiler on: what one page view's CPU goes to, by area. */
export async function profileHomeViews(server: string, app: ChildServer, cookie: string, connections: number, seconds: number, headers: Record<string, string>): Promise<HomeProfile> {
  const file = path.join(__dirname, '..', '..', 'bench', 'results', `${server}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  const load = await profileWhile(app, file, () => runLoad({ url: `http://127.0.0.1:${app.port}/`, connections, durationSeconds: seconds, headers: { cookie, ...headers } }));
  const areas = timeByArea(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const views = load.requests;
  const busyUs = areas.reduce((sum, area) => sum + area.selfUs, 0);
  return {
    server,
    connections,
    seconds,
    views,
    file: path.relative(path.join(__dirname, '..', '..'), file),
    busyUsPerView: busyUs / views,
    areas: areas.map((area) => ({ area: area.area, selfUsPerView: area.selfUs / views, totalUsPerView: area.totalUs / views })),
  };
}

/** The markdown table bench/README.md shows: µs per view and share of the view, self and total. */
export function profileTable(profile: HomeProfile): string[] {
  const share = (us: number) => `${((100 * us) / profile.busyUsPerView).toFixed(1)}%`;
  return [
    `${profile.server}: ${profile.views} views at ${profile.connections} connections, ${profile.busyUsPerView.toFixed(0)} µs of CPU per view (${profile.file})`,
    '',
    '| area | self µs/view | self | total µs/view | total |',
    '|---|---|---|---|---|',
    ...profile.areas.filter((area) => area.totalUsPerView >= 1).map((area) => `| ${area.area} | ${area.selfUsPerView.toFixed(0)} | ${share(area.selfUsPerView)} | ${area.totalUsPerView.toFixed(0)} | ${share(area.totalUsPerView)} |`),
  ];
}
