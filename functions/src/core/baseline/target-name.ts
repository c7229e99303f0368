/**
 * Is a baseline's `target` a name its kind can produce? A typo here (`acme-finance-report` for the
 * bucket `acme-finance-reports`) would otherwise load fine, match nothing, and switch detection off
 * for the real target; a Cloud SQL target without its project can never match an event either.
 * The rules are Google's naming rules (bucket names; project and Cloud SQL instance IDs) and the
 * names vpc-flow.ts gives network destinations.
 */
import type { LogKind } from '../access-event.js';
import { ipFamily } from '../ip.js';

/** Bucket names: 3–63 characters of a-z 0-9 - _ . starting and ending with a letter or digit; with dots up to 222, each dot-separated part ≤ 63. */
function bucketProblem(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name)) return 'is not a bucket name (lowercase letters, digits, -, _ and ., starting and ending with a letter or digit)';
  const limit = name.includes('.') ? 222 : 63;
  if (name.length < 3 || name.length > limit) return `is not a bucket name (3 to ${limit} characters)`;
  if (name.split('.').some((part) => part.length === 0 || part.length > 63)) return 'is not a bucket name (each dot-separated part is 1 to 63 characters)';
  return undefined;
}

/** Project IDs: 6–30 characters, a lowercase letter first, no trailing hyphen; legacy domain-scoped ones carry `domain:` in front. */
const PROJECT_ID = /^(?:[a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** Cloud SQL instance IDs: lowercase letters, digits and hyphens, a letter first, at most 98 characters. */
const INSTANCE_ID = /^[a-z][a-z0-9-]{0,97}$/;

function cloudSqlProblem(target: string): string | undefined {
  const at = target.lastIndexOf(':');
  if (at < 0) return 'must be PROJECT:INSTANCE, e.g. acme-prod:orders-pg (the project is part of the name)';
  const project = target.slice(0, at);
  const instance = target.slice(at + 1);
  if (!PROJECT_ID.test(project)) return `must be PROJECT:INSTANCE; ${JSON.stringify(project.slice(0, 60))} is not a project ID (6 to 30 lowercase letters, digits or hyphens, a letter first)`;
  if (!INSTANCE_ID.test(instance)) return `must be PROJECT:INSTANCE; ${JSON.stringify(instance.slice(0, 100))} is not a Cloud SQL instance ID (lowercase letters, digits and hyphens, a letter first)`;
  return undefined;
}

/** `ip[:port]` or `[v6][:port]`. */
function addressProblem(address: string): string | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+))(?::(\d{1,5}))?$/.exec(address);
  const ip = match?.[1] ?? match?.[2];
  if (!match || ip === undefined || ipFamily(ip) === 0) return 'an address and port, e.g. 10.0.0.5:6379 or [2001:db8::5]:5432';
  if (match[3] !== undefined && Number(match[3]) > 65535) return `port ${match[3]} is not a port`;
  return undefined;
}

const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function flowProblem(target: string): string | undefined {
  const usage = 'must be IP:PORT, PROJECT/NETWORK/IP:PORT or gke:CLUSTER/NAMESPACE/SERVICE:PORT';
  if (target.startsWith('gke:')) {
    return /^gke:[^/\s:]+\/[^/\s:]+\/[^/\s:]+(?::\d{1,5})?$/.test(target) ? undefined : usage;
  }
  const parts = target.split('/');
  if (parts.length === 3) {
    const [project, network, address] = parts as [string, string, string];
    if (!PROJECT_ID.test(project)) return `${usage}; ${JSON.stringify(project.slice(0, 60))} is not a project ID`;
    if (!NAME.test(network)) return `${usage}; ${JSON.stringify(network.slice(0, 60))} is not a VPC network name`;
    const problem = addressProblem(address);
    return problem ? `${usage}; after the network comes ${problem}` : undefined;
  }
  if (parts.length !== 1) return usage;
  const problem = addressProblem(target);
  return problem ? `${usage} (${problem})` : undefined;
}

/** Why `target` cannot be a target of `kind`, or undefined when it can. */
export function targetProblem(kind: LogKind, target: string): string | undefined {
  switch (kind) {
    case 'gcs':
      return bucketProblem(target);
    case 'cloudsql':
      return cloudSqlProblem(target);
    case 'vpc-flow':
      return flowProblem(target);
  }
}
