/**
 * Where a SandboxState keeps its records when they must outlive the process or be shared by
 * several processes (the host gives one; without it everything stays in the state's memory).
 *
 * A record is named `<kind>:<id>` and held as text with a version that moves on every write.
 * A call reads the records it uses, works on them in memory, then writes back those it changed,
 * each only if its version is still the one read: otherwise nothing is written and the call runs
 * again on fresh records. So two processes never both spend one token or lose each other's loves.
 */

export type SandboxRecordKind = 'key' | 'token' | 'authorization' | 'library';

/** A record as a store holds it. */
export interface SandboxRecord {
  value: string;
  version: number;
}

export interface SandboxRecordWrite {
  /** `<kind>:<id>`. */
  name: string;
  kind: SandboxRecordKind;
  /** The version the call read; undefined when the record was absent. */
  readVersion: number | undefined;
  /** The new text; undefined deletes the record. */
  value: string | undefined;
  /** When the store may forget it (ms since the epoch); undefined: kept (session keys and libraries). */
  expiresAt: number | undefined;
  /** How many records of its kind the store keeps at most, forgetting the oldest first; undefined for libraries (one per demo account). */
  keepAtMost: number | undefined;
}

export interface SandboxStore {
  /** The records under these names that exist and have not expired, by name. */
  read(names: readonly string[]): Promise<Map<string, SandboxRecord>>;
  /**
   * All the writes, or none (resolving false) when any record's version is no longer the one
   * read. After creating a record it forgets the oldest of that kind beyond `keepAtMost`, as the
   * state's memory does.
   */
  write(writes: readonly SandboxRecordWrite[]): Promise<boolean>;
}
