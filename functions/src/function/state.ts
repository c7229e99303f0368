/**
 * The pipeline's state, as objects in the state bucket, every change guarded by a generation
 * precondition (create-only is `ifGenerationMatch: 0`; a 412 means someone else got there first):
 *   markers/<bucket>/<name>#<generation>.json   one per batch: claim → pending delivery → delivered → done
 *   reports/<bucket>/<name>#<generation>.json   the full findings of every batch
 *   suppression/<finding id>.json               when a finding key was last posted, and what accrued since
 *   evidence/<YYYY/MM/DD>/<source>/<batch>.evidence.json   what each batch saw successfully (core/evidence)
 *   dead-letters/<YYYY/MM/DD>/<source>/<batch>.json        batches given up on, for the health check
 *   learning/<kind>/<hash>.json                 when a target without a baseline was first named
 *   health/state.json                           what the health check has posted, and when
 * https://cloud.google.com/storage/docs/request-preconditions
 */
import * as z from 'zod';
import { downloadObject } from '../core/gcs/download.js';
import type { StorageClients } from '../core/gcs/storage-clients.js';

const slackBlock = z.looseObject({ type: z.string() });

/** What a posted finding needs to update suppression state once delivered. */
export const postedFindingSchema = z.object({ id: z.string(), count: z.number(), lastSeen: z.string(), entryIds: z.array(z.string()).optional() });

export const markerSchema = z.object({
  status: z.enum(['processing', 'retry', 'pending-delivery', 'delivered', 'done', 'dead-letter']),
  batch: z.string(),
  attempt: z.number().int().nonnegative(),
  claimedBy: z.string(),
  leaseUntil: z.string(),
  updatedAt: z.string(),
  digestId: z.string().optional(),
  message: z.object({ text: z.string(), blocks: z.array(slackBlock) }).optional(),
  posted: z.array(postedFindingSchema).optional(),
  suppressed: z.array(postedFindingSchema).optional(),
  findings: z.number().int().nonnegative().optional(),
  /** Line and byte counts of the read, for the batch's log entry. */
  counts: z.record(z.string(), z.number()).optional(),
  report: z.string().optional(),
  reason: z.string().optional(),
  slackStatus: z.number().optional(),
  /** Slack's short error code for a refused digest (never its response body). */
  slackError: z.string().optional(),
  /** Copies of this digest that may have reached Slack, over all runs (bounded by MAX_POSSIBLE_POSTS). */
  possiblePosts: z.number().int().nonnegative().optional(),
});
export type Marker = z.infer<typeof markerSchema>;

export const suppressionSchema = z.object({
  findingId: z.string(),
  lastPosted: z.string(),
  lastDigestId: z.string(),
  /** Accesses seen in batches after the last post. */
  countSincePost: z.number().int().nonnegative(),
  /** Batches already counted, so a retried batch is not counted twice (most recent last). */
  appliedBatches: z.array(z.string()),
  /** Entry identities already counted, so shards that overlap count a duplicate entry once. */
  recentEntryIds: z.array(z.string()).default([]),
});
export type Suppression = z.infer<typeof suppressionSchema>;

/** A state object and its generation; `value` is null when the object exists but is unreadable. */
export interface Versioned<T> {
  value: T | null;
  generation: string;
}

/** The state operations the handler needs; GCS-backed in production and in tests (loopback server). */
export interface StateStore {
  readMarker(batch: string): Promise<Versioned<Marker> | undefined>;
  /** Create-only: undefined when the marker already exists. */
  createMarker(batch: string, marker: Marker): Promise<string | undefined>;
  /** Undefined when the marker changed since `generation`. */
  updateMarker(batch: string, marker: Marker, generation: string): Promise<string | undefined>;
  writeReport(batch: string, report: unknown): Promise<string>;
  readSuppression(findingId: string): Promise<Versioned<Suppression> | undefined>;
  /** `generation` '0' creates; undefined on a precondition conflict. */
  writeSuppression(findingId: string, value: Suppression, generation: string): Promise<string | undefined>;
  /** Any state object, validated by `schema` (null when unreadable); undefined when absent. */
  read<T>(name: string, schema: z.ZodType<T>): Promise<Versioned<T> | undefined>;
  /** Writes a state object; with `generation`, only over that generation ('0' creates); undefined on a conflict. */
  write(name: string, value: unknown, generation?: string): Promise<string | undefined>;
  /** Names of the state objects under `prefix`, in name order. */
  list(prefix: string): Promise<string[]>;
}

const MAX_STATE_OBJECT_BYTES = 4 * 1024 * 1024;

function isStatus(error: unknown, code: number): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

export class GcsStateStore implements StateStore {
  constructor(
    private readonly clients: StorageClients,
    readonly bucket: string,
  ) {}

  private get storage() {
    return this.clients.requests;
  }

  static markerName(batch: string): string {
    return `markers/${batch}.json`;
  }

  static reportName(batch: string): string {
    return `reports/${batch}.json`;
  }

  async read<T>(name: string, schema: z.ZodType<T>): Promise<Versioned<T> | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const file = this.storage.bucket(this.bucket).file(name);
      let generation: string;
      let data: Buffer;
      try {
        const [metadata] = await file.getMetadata();
        generation = String(metadata.generation);
        if (Number(metadata.size ?? 0) > MAX_STATE_OBJECT_BYTES) return { value: null, generation };
        data = await downloadObject(this.clients.downloads, { bucket: this.bucket, name, generation });
      } catch (error) {
        if (isStatus(error, 404)) continue; // absent, or replaced between metadata and download: look again
        throw error;
      }
      // A corrupt state object is unreadable, not absent: callers overwrite it with a precondition.
      let json: unknown;
      try {
        json = JSON.parse(data.toString('utf8'));
      } catch {
        return { value: null, generation };
      }
      const parsed = schema.safeParse(json);
      return { value: parsed.success ? parsed.data : null, generation };
    }
    return undefined;
  }

  async write(name: string, value: unknown, generation?: string): Promise<string | undefined> {
    const file = this.storage.bucket(this.bucket).file(name);
    try {
      await file.save(JSON.stringify(value), {
        resumable: false,
        contentType: 'application/json',
        ...(generation !== undefined ? { preconditionOpts: { ifGenerationMatch: generation } } : {}),
      });
      return String(file.metadata.generation);
    } catch (error) {
      if (isStatus(error, 412)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const [files] = await this.storage.bucket(this.bucket).getFiles({ prefix, autoPaginate: true });
    return files.map((f) => f.name).sort();
  }

  readMarker(batch: string): Promise<Versioned<Marker> | undefined> {
    return this.read(GcsStateStore.markerName(batch), markerSchema);
  }

  createMarker(batch: string, marker: Marker): Promise<string | undefined> {
    return this.write(GcsStateStore.markerName(batch), marker, '0');
  }

  updateMarker(batch: string, marker: Marker, generation: string): Promise<string | undefined> {
    return this.write(GcsStateStore.markerName(batch), marker, generation);
  }

  async writeReport(batch: string, report: unknown): Promise<string> {
    const name = GcsStateStore.reportName(batch);
    await this.write(name, report, undefined);
    return `gs://${this.bucket}/${name}`;
  }

  readSuppression(findingId: string): Promise<Versioned<Suppression> | undefined> {
    return this.read(`suppression/${findingId}.json`, suppressionSchema);
  }

  writeSuppression(findingId: string, value: Suppression, generation: string): Promise<string | undefined> {
    return this.write(`suppression/${findingId}.json`, value, generation);
  }
}
