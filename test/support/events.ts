/** Builds access events directly, for learning and detection tests. */
import type { AccessEvent, Credential, LogKind, SourceDetails } from '../../functions/src/core/access-event.js';
import { buildSource, UNRECORDED } from '../../functions/src/core/source-identity.js';

export interface EventSpec {
  kind?: LogKind;
  target?: string;
  source?: SourceDetails | 'unrecorded';
  credential?: string | null;
  outcome?: AccessEvent['outcome'];
  time?: string;
  action?: string;
}

export function event(spec: EventSpec = {}): AccessEvent {
  const credential: Credential | null =
    spec.credential === null ? null : { key: spec.credential ?? 'app@p.iam.gserviceaccount.com', type: spec.credential?.startsWith('db-user:') ? 'db-user' : 'iam' };
  return {
    kind: spec.kind ?? 'gcs',
    target: spec.target ?? 'bucket-a',
    source: spec.source === 'unrecorded' ? UNRECORDED : buildSource(spec.source ?? { ip: '203.0.113.7' }),
    credential: spec.kind === 'vpc-flow' ? null : credential,
    action: spec.action ?? 'storage.objects.get',
    outcome: spec.outcome ?? 'success',
    time: spec.time ?? '2026-11-20T10:00:00Z',
    ref: { file: 'test.json', line: 1 },
  };
}

export const gkePod = (namespace: string, ip: string, cluster = 'prod'): SourceDetails => ({ ip, gke: { cluster, namespace, pod: `${namespace}-${ip}` } });
export const vm = (name: string, ip: string): SourceDetails => ({ ip, vm: { project: 'p', name } });
