/**
 * Cloud Logging filters for the sinks (formats.md §7) and the flow-log CEL filter, as pure
 * functions so the tests can check exactly what each sink routes.
 * https://cloud.google.com/logging/docs/view/logging-query-language
 */

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function anyOf(field: string, values: readonly string[]): string {
  return `${field}=(${values.map(quote).join(' OR ')})`;
}

/**
 * Cloud Storage data access, and VPC Service Controls denials of Cloud Storage calls (the Policy
 * Denied log, whose entries name the bucket only in `metadata.resourceNames`), optionally narrowed
 * to the protected buckets.
 */
export function gcsSinkFilter(buckets: readonly string[]): string {
  const dataAccess = 'log_id("cloudaudit.googleapis.com/data_access") AND protoPayload.serviceName="storage.googleapis.com"';
  const denied = 'log_id("cloudaudit.googleapis.com/policy") AND protoPayload.serviceName="storage.googleapis.com"';
  if (buckets.length === 0) return `(${dataAccess}) OR (${denied})`;
  const named = `protoPayload.metadata.resourceNames:(${buckets.map((b) => quote(`projects/_/buckets/${b}`)).join(' OR ')})`;
  return `(${dataAccess} AND ${anyOf('resource.labels.bucket_name', buckets)}) OR (${denied} AND ${named})`;
}

/** Cloud SQL: the activity log (connect), the data access log (login, MySQL audit, pgAudit) and postgres.log. */
export function cloudSqlSinkFilter(project: string, instances: readonly string[]): string {
  const base =
    'resource.type="cloudsql_database" AND (log_id("cloudaudit.googleapis.com/activity") OR log_id("cloudaudit.googleapis.com/data_access") OR log_id("cloudsql.googleapis.com/postgres.log"))';
  if (instances.length === 0) return base;
  return `${base} AND ${anyOf('resource.labels.database_id', instances.map((i) => (i.includes(':') ? i : `${project}:${i}`)))}`;
}

interface Destination {
  address?: string;
  cidr?: string;
  port: number;
}

/** `10.0.0.4:6379`, `10.88.0.0/29:6379`, `:6379` */
export function parseDestination(text: string): Destination {
  const at = text.lastIndexOf(':');
  const host = text.slice(0, at);
  const port = Number(text.slice(at + 1));
  if (host === '') return { port };
  return host.includes('/') ? { cidr: host, port } : { address: host, port };
}

/** VPC flows narrowed to the protected destinations (client → server records). */
export function vpcFlowSinkFilter(destinations: readonly string[]): string {
  const clauses = destinations.map(parseDestination).map((d) => {
    const port = `jsonPayload.connection.dest_port=${d.port}`;
    if (d.address) return `(jsonPayload.connection.dest_ip=${quote(d.address)} AND ${port})`;
    if (d.cidr) return `(ip_in_net(jsonPayload.connection.dest_ip, ${quote(d.cidr)}) AND ${port})`;
    return `(${port})`;
  });
  // Subnet flow logs and flow logs configured through the Network Management API (formats.md §5).
  const base = '(log_id("compute.googleapis.com/vpc_flows") OR log_id("networkmanagement.googleapis.com/vpc_flows"))';
  return clauses.length > 0 ? `${base} AND (${clauses.join(' OR ')})` : base;
}

/** The same narrowing as a subnet's flow-log CEL `filterExpr`, so unneeded flows are never logged. */
export function flowLogFilterExpr(destinations: readonly string[]): string | undefined {
  if (destinations.length === 0) return undefined;
  return destinations
    .map(parseDestination)
    .map((d) => {
      const port = `connection.dest_port == ${d.port}`;
      if (d.address) return `(connection.dest_ip == '${d.address}' && ${port})`;
      if (d.cidr) return `(inIpRange(connection.dest_ip, '${d.cidr}') && ${port})`;
      return `(${port})`;
    })
    .join(' || ');
}

/** Entries about the pipeline's own buckets: reading exports is itself a data access. */
export function pipelineBucketsExclusion(buckets: readonly string[]): { name: string; filter: string } {
  return { name: 'log-audit-own-buckets', filter: anyOf('resource.labels.bucket_name', buckets) };
}

/** Entries made by the pipeline's own identities. */
export function pipelineIdentitiesExclusion(emails: readonly string[]): { name: string; filter: string } {
  return { name: 'log-audit-own-identities', filter: anyOf('protoPayload.authenticationInfo.principalEmail', emails) };
}

/** What the pipeline is made of, by name: the tamper export watches exactly these. */
export interface PipelineParts {
  sinks: readonly string[];
  buckets: readonly string[];
  stateBucket: string;
  functions: readonly string[];
  serviceAccounts: readonly string[];
  secrets: readonly string[];
  schedulerJobs: readonly string[];
  /** The pipeline's own identities: their writes to the state bucket are its work, not tampering. */
  identities: readonly string[];
}

function anyContains(field: string, values: readonly string[]): string {
  return `${field}:(${values.map(quote).join(' OR ')})`;
}

/**
 * The tamper export (issue 17): Admin Activity entries that change the pipeline — its sinks (their
 * filters and exclusions), its buckets (IAM, retention, deletion), any Data Access audit config, its
 * functions, service accounts, webhook secret and scheduler job — and Data Access writes to the
 * state bucket by anyone but the pipeline. Its sink has no exclusions: nothing here may be dropped.
 * https://cloud.google.com/logging/docs/audit/understanding-audit-logs
 */
export function tamperSinkFilter(parts: PipelineParts): string {
  const changes = [
    `(protoPayload.serviceName="logging.googleapis.com" AND ${anyContains('protoPayload.resourceName', parts.sinks.map((s) => `/sinks/${s}`))})`,
    `(protoPayload.serviceName="storage.googleapis.com" AND ${anyOf('resource.labels.bucket_name', parts.buckets)})`,
    '(protoPayload.methodName="SetIamPolicy" AND protoPayload.serviceData.policyDelta.auditConfigDeltas:*)',
    `(protoPayload.serviceName="cloudfunctions.googleapis.com" AND ${anyContains('protoPayload.resourceName', parts.functions.map((f) => `/functions/${f}`))})`,
    `(protoPayload.serviceName="iam.googleapis.com" AND (${anyContains('protoPayload.resourceName', parts.serviceAccounts)} OR ${anyContains('protoPayload.request.name', parts.serviceAccounts)}))`,
    `(protoPayload.serviceName="secretmanager.googleapis.com" AND ${anyContains('protoPayload.resourceName', parts.secrets.map((s) => `/secrets/${s}`))})`,
    `(protoPayload.serviceName="cloudscheduler.googleapis.com" AND ${anyContains('protoPayload.resourceName', parts.schedulerJobs.map((j) => `/jobs/${j}`))})`,
  ];
  const stateWrites = `log_id("cloudaudit.googleapis.com/data_access") AND resource.labels.bucket_name=${quote(parts.stateBucket)} AND protoPayload.methodName=("storage.objects.create" OR "storage.objects.delete" OR "storage.objects.update") AND NOT ${anyOf('protoPayload.authenticationInfo.principalEmail', parts.identities)}`;
  return `(log_id("cloudaudit.googleapis.com/activity") AND (${changes.join(' OR ')})) OR (${stateWrites})`;
}
