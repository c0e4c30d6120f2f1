/** Cold-init probe: Powertools parameters with the SSM client, which reads the key ring and provider settings in AWS. */
export { getParameter } from '@aws-lambda-powertools/parameters/ssm';
