import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RecordedCommand {
  /** `PutItemCommand`, `UpdateItemCommand`, ...; `input` as the document client was given it (not marshalled). */
  name: string;
  input: Record<string, any>;
}

/**
 * Records every command the broker's table client sends (a middleware, as a deployment's X-Ray or metrics
 * would see them). `take()` returns those since the last take. `emulatorReads` counts refused conditional
 * writes that asked for the blocking item and did not get it: dynalite omits it where DynamoDB returns it, so
 * the read that follows is dynalite's cost, not DynamoDB's.
 */
export function recordCommands(client: DynamoDBDocumentClient) {
  let commands: RecordedCommand[] = [];
  let emulatorReads = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push({ name: context.commandName ?? 'unknown', input: args.input as Record<string, any> });
      try {
        return await next(args);
      } catch (err) {
        const asked = (args.input as { ReturnValuesOnConditionCheckFailure?: string }).ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
        if (asked && (err as Error).name === 'ConditionalCheckFailedException' && !(err as { Item?: unknown }).Item) emulatorReads++;
        throw err;
      }
    },
    { step: 'initialize', name: 'testCommandRecorder' },
  );
  return {
    take() {
      const taken = { commands, names: commands.map((c) => c.name), emulatorReads };
      commands = [];
      emulatorReads = 0;
      return taken;
    },
  };
}
