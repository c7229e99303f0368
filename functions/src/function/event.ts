/**
 * The trigger: `google.cloud.storage.object.v1.finalized` CloudEvents whose data is the GCS object
 * resource (int64 fields such as `generation` and `size` arrive as strings). Validated with zod.
 * https://cloud.google.com/eventarc/docs/cloudevents#cloud-storage
 */
import * as z from 'zod';

export const FINALIZED = 'google.cloud.storage.object.v1.finalized';

const int64 = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);

export const storageObjectSchema = z.looseObject({
  bucket: z.string().min(1),
  name: z.string().min(1),
  generation: int64,
  size: int64.optional(),
  timeCreated: z.string().optional(),
  contentType: z.string().optional(),
});

export const storageEventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string(),
  source: z.string().optional(),
  subject: z.string().optional(),
  time: z.string().optional(),
  data: storageObjectSchema,
});

export type StorageEvent = z.output<typeof storageEventSchema>;

/**
 * `<LOG_ID>/YYYY/MM/DD/HH:00:00_HH:59:59_S<n>.json` (or `A<n>`), optionally gzipped — the object
 * names Cloud Logging sinks write. https://cloud.google.com/logging/docs/export/storage#gcs-organization
 */
const EXPORT_NAME = /\/\d{4}\/\d{2}\/\d{2}\/\d{2}:\d{2}:\d{2}_\d{2}:\d{2}:\d{2}_[SA]\d+\.json(\.gz)?$/;

export function isLogExport(name: string, prefixes: readonly string[]): boolean {
  return EXPORT_NAME.test(name) && prefixes.some((prefix) => name.startsWith(prefix));
}

/** The idempotency key of a batch: an overwritten object is a new generation, processed again. */
export function batchKey(object: { bucket: string; name: string; generation: string }): string {
  return `${object.bucket}/${object.name}#${object.generation}`;
}
