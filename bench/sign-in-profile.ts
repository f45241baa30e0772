import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildServer } from './child';
import { profileWhile, timeByArea, type CpuProfile } from './cpu-profile';
import { measureSignIns } from './sign-in';

export interface SignInProfile {
  server: string;
  browsers: number;
  seconds: number;
  signIns: number;
  /** Where the profile was written, to open in Chrome's DevTools or speedscope. */
  file: string;
  /** CPU the server spent per sign-in (not idle), in microseconds. */
  busyUsPerSignIn: number;
  areas: { area: string; selfUsPerSignIn: number; totalUsPerSignIn: number }[];
}

/** Sign-ins back to back with the server's profiler on: what one sign-in's five exchanges cost, by area. */
export async function profileSignIns(server: string, child: ChildServer, browsers: number, seconds: number): Promise<SignInProfile> {
  const file = path.join(__dirname, '..', '..', 'bench', 'results', `${server}-sign-in-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  const run = await profileWhile(child, file, () => measureSignIns(`http://127.0.0.1:${child.port}`, browsers, seconds));
  const areas = timeByArea(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const signIns = run.completed;
  const busyUs = areas.reduce((sum, area) => sum + area.selfUs, 0);
  return {
    server,
    browsers,
    seconds,
    signIns,
    file: path.relative(path.join(__dirname, '..', '..'), file),
    busyUsPerSignIn: busyUs / signIns,
    areas: areas.map((area) => ({ area: area.area, selfUsPerSignIn: area.selfUs / signIns, totalUsPerSignIn: area.totalUs / signIns })),
  };
}

/** The markdown table bench/README.md shows: µs per sign-in and share, self and total. */
export function signInProfileTable(profile: SignInProfile): string[] {
  const share = (us: number) => `${((100 * us) / profile.busyUsPerSignIn).toFixed(1)}%`;
  return [
    `${profile.server}: ${profile.signIns} sign-ins by ${profile.browsers} browsers, ${profile.busyUsPerSignIn.toFixed(0)} µs of CPU per sign-in (${profile.file})`,
    '',
    '| area | self µs/sign-in | self | total µs/sign-in | total |',
    '|---|---|---|---|---|',
    ...profile.areas.filter((area) => area.totalUsPerSignIn >= 5).map((area) => `| ${area.area} | ${area.selfUsPerSignIn.toFixed(0)} | ${share(area.selfUsPerSignIn)} | ${area.totalUsPerSignIn.toFixed(0)} | ${share(area.totalUsPerSignIn)} |`),
  ];
}
