/** Cold-init probe: the Powertools logger every handler with a runtime imports. */
export { Logger } from '@aws-lambda-powertools/logger';
