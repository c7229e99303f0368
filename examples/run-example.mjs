// `npm start`: the main job on the bundled examples, with the real CLI. Learns baselines from
// examples/history into a temporary directory (baselines/ is left alone), audits examples/today,
// shows the Slack digest the Cloud Function would post (as text; `npm start -- --json` for the
// Block Kit JSON), and ends by checking the findings against examples/expected-findings.json:
// exit 0 only when every planted anomaly was found and nothing else was.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plantedSummary } from './planted.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'functions/bin/log-audit.js');
const json = process.argv.includes('--json');
const work = mkdtempSync(join(tmpdir(), 'log-audit-example-'));
const baselines = join(work, 'baselines');
const report = join(work, 'report.json');

function run(title, args) {
  process.stdout.write(`\n# ${title}\n$ log-audit ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
}

let status = 0;
try {
  run('learn what is normal from four days of exports (GCS, Cloud SQL, VPC flows)', ['learn', '--out', baselines, 'examples/history']);
  run('validate the learned baselines', ['validate', baselines]);
  run('audit the next day: planted anomalies must show, benign churn must not', ['audit', '--baselines', baselines, '--report', report, 'examples/today']);
  run(
    json ? 'the Slack digest the Cloud Function would post, as Block Kit JSON' : 'the Slack digest the Cloud Function would post (npm start -- --json shows its Block Kit JSON)',
    ['audit', '--quiet', '--format', json ? 'slack' : 'digest', '--project', 'acme-prod', '--baselines', baselines, '--report', report, 'examples/today'],
  );
  const planted = JSON.parse(readFileSync(join(root, 'examples/expected-findings.json'), 'utf8'));
  const { findings } = JSON.parse(readFileSync(report, 'utf8'));
  const summary = plantedSummary(planted, findings);
  process.stdout.write(`\n# check against examples/expected-findings.json\n${summary.lines.join('\n')}\n`);
  if (!summary.ok) status = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(status);
