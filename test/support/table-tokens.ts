/**
 * The provider tokens a table holds, read from raw scanned items as a test sees them: each is an attribute
 * `TOKEN#<provider>#<host>` of a user's profile item (`shared/stores/profile-tokens.ts`).
 */
export interface TableToken {
  pk: string;
  name: string;
  sealed: string;
  version: number;
}

export function tokensInItems(items: Record<string, unknown>[], filter: { userId?: string; prefix?: string } = {}): TableToken[] {
  const prefix = filter.prefix ?? 'TOKEN#';
  return items
    .filter((item) => item.sk === 'PROFILE' && (!filter.userId || item.pk === `USER#${filter.userId}`))
    .flatMap((item) =>
      Object.entries(item)
        .filter(([name, value]) => name.startsWith(prefix) && typeof value === 'object' && value !== null)
        .map(([name, value]) => ({ pk: item.pk as string, name, sealed: (value as { sealed: string }).sealed, version: item[`${name}#version`] as number })),
    );
}

/** Whether a DynamoDB command (as `recordCommands` saw it) stores a provider token. */
export function writesToken(command: { name: string; input: Record<string, any> }): boolean {
  return command.name === 'UpdateItemCommand' && String(command.input.ExpressionAttributeNames?.['#token'] ?? '').startsWith('TOKEN#') && String(command.input.UpdateExpression).includes('#token = :entry');
}
