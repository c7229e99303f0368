/** GCS data-access lines for scenario tests, made from our own fixture line (test/fixtures/formats). */
import { gcsSamples } from './pipeline.js';

export interface GcsAccess {
  bucket: string;
  ip: string;
  principal: string;
  /** ISO time of the access. */
  time: string;
  denied?: boolean;
  insertId?: string;
}

let counter = 0;

/** A function that writes one line per access, in the fixture's exact shape. */
export async function gcsLineWriter(): Promise<(access: GcsAccess) => string> {
  const { allowed, denied } = await gcsSamples();
  const templates = { allowed: JSON.parse(allowed) as any, denied: JSON.parse(denied) as any };
  return (a) => {
    const entry = structuredClone(a.denied ? templates.denied : templates.allowed);
    entry.insertId = a.insertId ?? `ins${(counter++).toString(36)}`;
    entry.timestamp = a.time;
    entry.receiveTimestamp = a.time;
    entry.resource.labels.bucket_name = a.bucket;
    const p = entry.protoPayload;
    p.authenticationInfo.principalEmail = a.principal;
    p.requestMetadata.callerIp = a.ip;
    p.requestMetadata.requestAttributes.time = a.time;
    p.resourceName = `projects/_/buckets/${a.bucket}/objects/reports/q1.csv`;
    for (const auth of p.authorizationInfo) auth.resource = p.resourceName;
    return JSON.stringify(entry);
  };
}
