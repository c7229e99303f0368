/**
 * A line that repeats a known access: every field of its event but the time and the entry id equals
 * one already decided (today: a VPC flow of a line shape the fast path knows, whose identity it has
 * seen, verified byte for byte, or has just decided from this line). It is handed on without
 * building an event: its time is already in ms, and the time and insertId strings stay bytes until
 * a consumer keeps them — a group keeps them only for its first and last time and its first entry
 * ids, and a target's overflow only its first and last time, so most repeats never decode a string.
 *
 * One instance is refilled by each repeat: read it (or call toEvent) before the next line is parsed.
 */
import { eventRef, type AccessEvent, type Credential, type EventKind, type Source } from './access-event.js';

/** What every repeat of a known access shares (one object per known access). */
export interface KnownAccess {
  kind: EventKind;
  target: string;
  /** source.key: all that groups the access, so a repeat joins its group without reading `source`. */
  sourceKey: string;
  /**
   * The source. The fast path builds it when first read, from the line the access was last handed
   * on with (fast-path.ts, FlowAccessOfIdentity): read it, as the rest of a repeat, before the next
   * line is parsed.
   */
  readonly source: Source;
  credential: Credential | null;
  action: string;
  groupKey: string;
  /**
   * Where the auditor that last added a repeat of this access keeps its group: that auditor's number
   * and the group's index in its list (BatchAuditor.addRepeated). Numbers only, so no group outlives
   * its auditor through this cache. 0 before any; ONE_LINE for an access decided for one line only,
   * which no later line looks up, so no auditor keeps a slot for it.
   */
  auditor: number;
  groupSlot: number;
}

/** KnownAccess.auditor of an access decided for one line only (never an auditor's number). */
export const ONE_LINE = -1;

export class RepeatedAccess {
  known!: KnownAccess;
  timeMs = 0;
  file = '';
  line = 0;
  private buf: Buffer = Buffer.alloc(0);
  private timeStart = 0;
  private timeEnd = 0;
  /** The insertId's bytes, or idStart < 0 when the entry has none. */
  private idStart = -1;
  private idEnd = -1;

  /** Points this instance at a repeat: the line's time and insertId are byte ranges of `buf`. */
  set(known: KnownAccess, timeMs: number, buf: Buffer, timeStart: number, timeEnd: number, idStart: number, idEnd: number, file: string, line: number): this {
    this.known = known;
    this.timeMs = timeMs;
    this.buf = buf;
    this.timeStart = timeStart;
    this.timeEnd = timeEnd;
    this.idStart = idStart;
    this.idEnd = idEnd;
    this.file = file;
    this.line = line;
    return this;
  }

  /** The access time as written in the entry. */
  time(): string {
    return this.buf.toString('utf8', this.timeStart, this.timeEnd);
  }

  /** The entry's insertId, or undefined when it has none (or an empty one, as the parsers treat it). */
  insertId(): string | undefined {
    return this.idStart < 0 || this.idEnd === this.idStart ? undefined : this.buf.toString('utf8', this.idStart, this.idEnd);
  }

  /** The full event, exactly as the parser would have built it. */
  toEvent(): AccessEvent {
    const { kind, target, source, credential, action, groupKey } = this.known;
    const ref = eventRef({ file: this.file, line: this.line }, this.insertId());
    return { kind, target, source, credential, action, outcome: 'success', time: this.time(), ref, timeMs: this.timeMs, groupKey };
  }
}
