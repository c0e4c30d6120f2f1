import { describe, expect, it } from 'vitest';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SsmSettings } from '../../shared/providers/ssm-settings';

describe('provider settings in SSM', () => {
  it('reads the path once for concurrent lookups on a cold container (GET /providers asks for every row at once)', async () => {
    let reads = 0;
    // Stands in for Powertools' SSMProvider (AWS cannot run here); Powertools caches answers, not requests in flight.
    const ssm = {
      async getMultiple() {
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return { github: { clientId: 'gh' } };
      },
    } as unknown as SSMProvider;
    const settings = new SsmSettings('/handshake/providers', ssm);
    const answers = await Promise.all(['github', 'gitlab', 'okta', 'github'].map((id) => settings.get(id)));
    expect(answers).toEqual([{ clientId: 'gh' }, undefined, undefined, { clientId: 'gh' }]);
    expect(reads).toBe(1);
  });
});
