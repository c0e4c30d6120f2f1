import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../shared/stores/schema.js';

export interface StorageProps {
  /** Protected: retained when the stack goes, deletion-protected, point-in-time recovery on. */
  isProtected: boolean;
}

/** A DynamoDB item action the handlers perform. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query';

/**
 * The one table of the environment (single-table design, `shared/stores/schema.ts`): keys `pk`/`sk`,
 * TTL on `ttl`, on-demand. A branch's table goes with its stack; a protected environment's stays.
 *
 * @example
 * const storage = new Storage(this, 'Storage', { isProtected: false });
 * storage.grant(fn, 'dynamodb:PutItem');
 */
export class Storage extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.isProtected },
      deletionProtection: props.isProtected,
      removalPolicy: props.isProtected ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** Exactly these item actions on the table, nothing on indexes or streams (there are none). */
  grant(grantee: IGrantable, ...actions: TableAction[]): void {
    if (actions.length > 0) this.table.grant(grantee, ...actions);
  }
}
