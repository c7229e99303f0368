/**
 * VPC flow records shaped like a production GKE cluster: 3,000 pods on 120 nodes (each pod flow
 * carries its node's `src_instance`, its own `src_gke_details` and `src_vpc`), 40 VMs, 6 protected
 * destinations (Memorystore, Cloud SQL private IPs, an internal API), both directions, ~1 KB per
 * record. `nothingRepeats` gives every record a node and a pod never seen before (still in the
 * namespaces the baselines know): the identity caches never hit.
 */
import { rng } from '../../../examples/scenario.js';

export interface Generator {
  line(): string;
}

const NAMESPACES = ['checkout', 'payments', 'catalog', 'search', 'cart', 'ops', 'orders', 'billing', 'inventory', 'shipping', 'auth', 'profile', 'reviews', 'pricing', 'promo', 'notify', 'ledger', 'fraud', 'reports', 'export', 'import', 'media', 'thumbs', 'gateway', 'admin', 'support', 'analytics', 'ml-serve', 'feature', 'etl'];
const DESTINATIONS = [
  { ip: '10.120.0.4', port: 6379, project: 'acme-prod', vpc: 'prod-vpc', subnet: 'memorystore' },
  { ip: '10.120.0.12', port: 6379, project: 'acme-prod', vpc: 'prod-vpc', subnet: 'memorystore' },
  { ip: '10.120.0.20', port: 6378, project: 'acme-prod', vpc: 'prod-vpc', subnet: 'memorystore' },
  { ip: '10.130.0.3', port: 5432, project: 'acme-prod', vpc: 'prod-vpc', subnet: 'cloudsql' },
  { ip: '10.130.0.9', port: 5432, project: 'acme-prod', vpc: 'prod-vpc', subnet: 'cloudsql' },
  { ip: '10.52.1.17', port: 8080, project: 'acme-prod', vpc: 'prod-vpc', subnet: 'app-subnet' },
];

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

function alnum(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += 'bcdfghjklmnpqrstvwxz2456789'[Math.floor(r() * 27)];
  return s;
}

export function productionFlows(seed: number, hour: string, options: { nothingRepeats?: boolean } = {}): Generator {
  // The population is the same for every seed (history and shard see one cluster); traffic differs.
  const world = rng(4242);
  const r = rng(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const nodes = Array.from({ length: 120 }, (_, i) => ({ name: `gke-prod-gke-pool-${['a', 'b', 'c'][i % 3]}-${hex(world, 8)}-${alnum(world, 4)}`, zone: `us-central1-${['a', 'b', 'f'][i % 3]}`, index: i }));
  const pods = Array.from({ length: 3000 }, (_, i) => {
    const namespace = NAMESPACES[i % NAMESPACES.length]!;
    const node = nodes[i % nodes.length]!;
    return { ip: `10.48.${node.index}.${10 + Math.floor(i / nodes.length)}`, name: `${namespace}-${hex(world, 10)}-${alnum(world, 5)}`, namespace, node };
  });
  const vms = Array.from({ length: 40 }, (_, i) => ({ ip: `10.40.${Math.floor(i / 200)}.${20 + i}`, name: `app-vm-${String(i).padStart(2, '0')}`, zone: `us-central1-${['a', 'b', 'f'][i % 3]}` }));
  let fresh = 0;
  return {
    line() {
      const dest = DESTINATIONS[int(0, DESTINATIONS.length - 1)]!;
      const usePod = r() < 0.85;
      let client: { ip: string; meta: Record<string, unknown> };
      if (usePod) {
        let pod = pods[int(0, pods.length - 1)]!;
        if (options.nothingRepeats) {
          const n = fresh++;
          const node = { name: `gke-prod-gke-pool-x-${n.toString(16).padStart(8, '0')}-${alnum(r, 4)}`, zone: 'us-central1-a', index: 0 };
          pod = { ip: `10.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`, name: `${pod.namespace}-${n.toString(16).padStart(10, '0')}-${alnum(r, 5)}`, namespace: pod.namespace, node };
        }
        client = {
          ip: pod.ip,
          meta: {
            instance: { project_id: 'acme-prod', region: 'us-central1', vm_name: pod.node.name, zone: pod.node.zone },
            gke_details: { cluster: { cluster_location: 'us-central1', cluster_name: 'prod-gke' }, pod: { pod_name: pod.name, pod_namespace: pod.namespace } },
            vpc: { project_id: 'acme-prod', subnetwork_name: 'gke-nodes', vpc_name: 'prod-vpc' },
          },
        };
      } else {
        const vm = vms[int(0, vms.length - 1)]!;
        client = { ip: vm.ip, meta: { instance: { project_id: 'acme-prod', region: 'us-central1', vm_name: vm.name, zone: vm.zone }, vpc: { project_id: 'acme-prod', subnetwork_name: 'app-subnet', vpc_name: 'prod-vpc' } } };
      }
      const clientPort = int(32768, 60999);
      const response = r() < 0.4;
      const start = `${hour}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${String(int(0, 999999)).padStart(6, '0')}Z`;
      const end = `${hour}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${String(int(0, 999999)).padStart(6, '0')}Z`;
      const payload: Record<string, unknown> = {
        bytes_sent: String(int(60, 9_000_000)),
        connection: response
          ? { dest_ip: client.ip, dest_port: clientPort, protocol: 6, src_ip: dest.ip, src_port: dest.port }
          : { dest_ip: dest.ip, dest_port: dest.port, protocol: 6, src_ip: client.ip, src_port: clientPort },
        end_time: end,
        packets_sent: String(int(1, 9000)),
        reporter: response ? 'DEST' : 'SRC',
        rtt_msec: String(int(1, 40)),
        start_time: start,
      };
      const serverVpc = { project_id: dest.project, subnetwork_name: dest.subnet, vpc_name: dest.vpc };
      for (const [k, v] of Object.entries(client.meta)) payload[`${response ? 'dest' : 'src'}_${k}`] = v;
      payload[`${response ? 'src' : 'dest'}_vpc`] = serverVpc;
      return JSON.stringify({
        insertId: `${int(0, 2 ** 30).toString(36)}${int(0, 2 ** 30).toString(36)}`,
        jsonPayload: payload,
        logName: 'projects/acme-prod/logs/compute.googleapis.com%2Fvpc_flows',
        receiveTimestamp: `${hour}:59:5${int(0, 9)}.${String(int(0, 999999999)).padStart(9, '0')}Z`,
        resource: { labels: { location: 'us-central1-a', project_id: 'acme-prod', subnetwork_id: String(758019854043528829n + BigInt(int(0, 3))), subnetwork_name: usePod ? 'gke-nodes' : 'app-subnet' }, type: 'gce_subnetwork' },
        timestamp: `${hour}:59:5${int(0, 9)}.${String(int(0, 999999999)).padStart(9, '0')}Z`,
      });
    },
  };
}

/** Cloud Storage data access from hundreds of principals and callers over twenty buckets. */
export function manyPrincipalsGcs(seed: number, hour: string): Generator {
  const world = rng(777);
  const r = rng(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const principals = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? `user${i}@acme.example` : `svc-${i}@acme-prod-${i % 7}.iam.gserviceaccount.com`));
  const callers = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? 'private' : i % 10 === 1 ? 'gce-internal-ip' : i % 2 === 0 ? `10.${40 + (i % 20)}.${i % 250}.${(i * 7) % 250}` : `198.51.${100 + (i % 20)}.${(i * 13) % 250}`));
  const pairs = Array.from({ length: 900 }, () => ({ principal: principals[Math.floor(world() * principals.length)]!, ip: callers[Math.floor(world() * callers.length)]!, ua: ['gcloud-python/2.14.0', 'google-cloud-storage-java/2.30', 'gcsfuse/2.1', 'gsutil/5.27', 'Mozilla/5.0 (Macintosh) Chrome/131.0'][Math.floor(world() * 5)]! }));
  const buckets = Array.from({ length: 20 }, (_, i) => `acme-data-${String(i).padStart(2, '0')}`);
  const methods = ['storage.objects.get', 'storage.objects.get', 'storage.objects.get', 'storage.objects.list', 'storage.objects.create'];
  return {
    line() {
      const c = pairs[int(0, pairs.length - 1)]!;
      const bucket = buckets[int(0, buckets.length - 1)]!;
      const method = methods[int(0, methods.length - 1)]!;
      const object = `daily/2026-11-${String(int(1, 28)).padStart(2, '0')}/part-${int(0, 99999)}.parquet`;
      const resourceName = `projects/_/buckets/${bucket}/objects/${object}`;
      const ts = `${hour}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${String(int(0, 999999999)).padStart(9, '0')}Z`;
      const denied = r() < 0.01;
      const authz: Record<string, unknown> = { permission: method, resource: resourceName, resourceAttributes: {} };
      if (!denied) authz['granted'] = true;
      return JSON.stringify({
        insertId: `${int(0, 2 ** 30).toString(36)}`,
        logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access',
        protoPayload: {
          '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
          authenticationInfo: { principalEmail: c.principal },
          authorizationInfo: [authz],
          methodName: method,
          requestMetadata: { callerIp: c.ip, callerSuppliedUserAgent: `${c.ua},gzip(gfe)`, destinationAttributes: {}, requestAttributes: { auth: {}, time: ts } },
          resourceLocation: { currentLocations: ['us'] },
          resourceName,
          serviceName: 'storage.googleapis.com',
          status: denied ? { code: 7, message: 'PERMISSION_DENIED' } : {},
        },
        receiveTimestamp: ts,
        resource: { labels: { bucket_name: bucket, location: 'us', project_id: 'acme-prod' }, type: 'gcs_bucket' },
        severity: denied ? 'ERROR' : 'INFO',
        timestamp: ts,
      });
    },
  };
}
