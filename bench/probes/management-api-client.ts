/** Cold-init probe: the API Gateway management client the publishing handlers use for the me-channel. */
export { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
