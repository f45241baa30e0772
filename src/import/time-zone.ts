/** Turns a wall-clock time in one time zone into UTC. */
export interface ZoneClock {
  readonly zone: string;
  /** `local`: seconds since 1970 as the zone's clock read them. */
  toUtc(local: number): number;
}

/** The zone's clock, or undefined when the name is not an IANA time zone this Node knows. */
export function zoneClock(zone: string): ZoneClock | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    return undefined;
  }
  /** How far the zone's clock is ahead of UTC at this UTC instant, in seconds. */
  const offsetAt = (utc: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(utc * 1000))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
    const asUtc = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0) / 1000;
    return asUtc - utc;
  };
  return {
    zone: format.resolvedOptions().timeZone,
    toUtc(local) {
      // Twice, so a time near a daylight-saving change takes the offset in force then.
      const first = local - offsetAt(local);
      return local - offsetAt(first);
    },
  };
}

export const UTC_CLOCK: ZoneClock = { zone: 'UTC', toUtc: (local) => local };
