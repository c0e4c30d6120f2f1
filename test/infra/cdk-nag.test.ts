import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { createHandshakeApp } from '../../infra/handshake-app';
import { cdkJsonContext } from '../support/cdk-json';
import { SYNTH_TIMEOUT_MS } from './synthesized-stack';

const outdir = mkdtempSync(join(tmpdir(), 'handshake-nag-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('cdk-nag in the app', () => {
  it(
    'fails the synth on a finding nobody acknowledged (so a clean synth means something)',
    () => {
      const { app, stack } = createHandshakeApp({ outdir, context: { ...cdkJsonContext(), env: 'nag-probe', 'aws:cdk:bundling-stacks': [] } });
      new Secret(stack, 'UnacknowledgedSecret');
      stack.handlers.all.get('web-pages')!.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
      expect(() => app.synth()).toThrow(/AwsSolutions-SMG4[\s\S]*AwsSolutions-IAM5|AwsSolutions-IAM5[\s\S]*AwsSolutions-SMG4/);
    },
    SYNTH_TIMEOUT_MS,
  );
});
