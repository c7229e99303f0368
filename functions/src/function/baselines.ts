/**
 * Baselines in the function are bundled with the deployed source (`baselines/` next to the code):
 * the reviewed files in git are exactly what runs, an update is "edit, review, `pulumi up`", and no
 * bucket, IAM grant or runtime fetch is involved. They are validated on load and cached per instance;
 * a failed load is not cached, so the next invocation tries again.
 */
import { loadBaselines, type LoadedBaseline } from '../core/baseline/store.js';

const cache = new Map<string, Promise<LoadedBaseline[]>>();

export function bundledBaselines(dir: string): Promise<LoadedBaseline[]> {
  let loading = cache.get(dir);
  if (!loading) {
    loading = loadBaselines(dir);
    cache.set(dir, loading);
    loading.catch(() => cache.delete(dir));
  }
  return loading;
}
