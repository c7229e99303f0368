// Compares an audit's findings with the anomalies planted in the examples
// (examples/expected-findings.json): what `npm start` ends with, and what its test checks.

/** The identity of a finding: kind, type, target, source and credential. */
export function findingKey(f) {
  return [f.kind, f.type, f.target, f.source, f.credential ?? ''].join(' | ');
}

/** `{ found, missing, others }`: planted ones reported, planted ones not reported, findings nobody planted. */
export function comparePlanted(planted, findings) {
  const reported = new Set(findings.map(findingKey));
  const expected = new Set(planted.map(findingKey));
  return {
    found: planted.filter((p) => reported.has(findingKey(p))),
    missing: planted.filter((p) => !reported.has(findingKey(p))),
    others: findings.filter((f) => !expected.has(findingKey(f))),
  };
}

/** The lines `npm start` prints for the comparison; `ok` is false when anything is off. */
export function plantedSummary(planted, findings) {
  const { found, missing, others } = comparePlanted(planted, findings);
  const lines = [`${found.length} of ${planted.length} planted anomalies found, ${others.length} other finding${others.length === 1 ? '' : 's'}`];
  for (const p of missing) lines.push(`  missed: ${p.type} on ${p.target} (${p.story ?? findingKey(p)})`);
  for (const f of others) lines.push(`  not planted: ${f.type} on ${f.target} from ${f.source}`);
  return { ok: missing.length === 0 && others.length === 0, lines };
}
