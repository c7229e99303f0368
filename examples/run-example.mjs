// `npm start`: the main job on the bundled examples, with the real CLI. Learns baselines from
// examples/history into a temporary directory (baselines/ is left alone), then audits
// examples/today and prints the findings. examples/expected-findings.json lists what was planted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'functions/bin/log-audit.js');
const baselines = mkdtempSync(join(tmpdir(), 'log-audit-example-'));

function run(title, args) {
  process.stdout.write(`\n# ${title}\n$ log-audit ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    rmSync(baselines, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
}

try {
  run('learn what is normal from four days of exports (GCS, Cloud SQL, VPC flows)', ['learn', '--out', baselines, 'examples/history']);
  run('validate the learned baselines', ['validate', baselines]);
  run('audit the next day: planted anomalies must show, benign churn must not', ['audit', '--baselines', baselines, '--report', join(baselines, 'report.json'), 'examples/today']);
  run('the Slack digest the Cloud Function would post for it (Block Kit JSON; add --slack-webhook URL to send it)', ['audit', '--quiet', '--format', 'slack', '--baselines', baselines, 'examples/today']);
} finally {
  rmSync(baselines, { recursive: true, force: true });
}
