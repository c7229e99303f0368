/**
 * Runs the Pulumi program under pulumi.runtime.setMocks (the Pulumi CLI and Google are not
 * needed) and records every resource it registers, with resolved inputs, for assertions.
 */
import * as pulumi from '@pulumi/pulumi';
import { vi } from 'vitest';

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** Resource options that reach no provider, such as retainOnDelete (read by a stack transformation). */
  retainOnDelete?: boolean;
}

export const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/pulumiSecretToken42';
export const REQUIRED_CONFIG: Record<string, string> = {
  'gcp:project': 'acme-prod',
  'gcp:region': 'us-central1',
  'log-audit:slackWebhookUrl': WEBHOOK,
};

/** Plausible computed outputs, as the providers would return them. */
function computed(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const i = args.inputs as Record<string, any>;
  switch (args.type) {
    case 'gcp:logging/projectSink:ProjectSink':
    case 'gcp:logging/folderSink:FolderSink':
    case 'gcp:logging/organizationSink:OrganizationSink':
      return { writerIdentity: `serviceAccount:service-${args.name}@gcp-sa-logging.iam.gserviceaccount.com` };
    case 'gcp:serviceaccount/account:Account':
      return { email: `${i['accountId']}@acme-prod.iam.gserviceaccount.com`, member: `serviceAccount:${i['accountId']}@acme-prod.iam.gserviceaccount.com` };
    case 'gcp:cloudfunctionsv2/function:Function':
      return {
        serviceConfig: { ...i['serviceConfig'], service: `projects/acme-prod/locations/${i['location']}/services/${i['name']}` },
        url: `https://${i['location']}-acme-prod.cloudfunctions.net/${i['name']}`,
      };
    case 'gcp:secretmanager/secretVersion:SecretVersion':
      return { version: '1', name: 'projects/acme-prod/secrets/log-audit-slack-webhook/versions/1' };
    default:
      return {};
  }
}

export async function runProgram(config: Record<string, string> = REQUIRED_CONFIG): Promise<{ resources: Registered[]; outputs: Record<string, unknown> }> {
  const resources: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, any> });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computed(args) } };
      },
      call(args) {
        if (args.token === 'gcp:storage/getProjectServiceAccount:getProjectServiceAccount') {
          return { emailAddress: 'service-123456789@gs-project-accounts.iam.gserviceaccount.com', project: 'acme-prod' };
        }
        return args.inputs;
      },
    },
    'log-audit',
    'test',
    false,
  );
  pulumi.runtime.setAllConfig(config, ['log-audit:slackWebhookUrl']);
  const retained = new Set<string>();
  let program: Record<string, unknown> = {};
  // Inside a root stack, as `pulumi up` runs it, so a stack transformation sees every resource's options.
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      if (args.opts.retainOnDelete) retained.add(`${args.type}::${args.name}`);
      return undefined;
    });
    // A fresh instance of the program for every run (several configurations in one test file).
    vi.resetModules();
    program = (await import('../../infra/index.js')) as Record<string, unknown>;
    return {};
  });
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) outputs[key] = pulumi.Output.isInstance(value) ? await resolve(value) : value;
  // Let every registration reach the mock monitor.
  let count = -1;
  while (count !== resources.length) {
    count = resources.length;
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const r of resources) if (retained.has(`${r.type}::${r.name}`)) r.retainOnDelete = true;
  return { resources, outputs };
}

export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((r) => output.apply((v) => r(v)));
}
