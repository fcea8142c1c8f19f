/**
 * Lambda entry of the HTTP API: the same Hono app as the local server, behind API Gateway
 * (HTTP API, payload v2). Auth mode `gateway`: the JWT authorizer verified the caller
 * upstream, and the app refuses requests that arrive without its claims (fails closed);
 * each caller sees only its own scans (admins: all).
 */
import type { Context } from 'aws-lambda';
import { getConnInfo, handle } from 'hono/aws-lambda';
import { DynamoQuotaCounter } from '../../adapters/aws/dynamo-quota-counter.js';
import { loadConfig } from '../../core/config.js';
import { createApiApp } from '../api/app.js';
import { createAwsRuntime } from './composition.js';

// Module scope: built once per execution environment, reused by every invocation.
const runtime = createAwsRuntime({ service: 'api' });
const api = loadConfig(['api']).api;
const app = createApiApp({
  objects: runtime.objects,
  results: runtime.results,
  // Tenancy: the caller is the JWT `sub`; members of the admin Cognito group see every scan.
  auth: { mode: 'gateway', adminGroup: api.adminGroup },
  // Per-user scan quotas counted in the results table: they hold across every instance.
  quotas: new DynamoQuotaCounter({ client: runtime.dynamo, tableName: runtime.config.aws.tableName }),
  clientAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
  config: { api, limits: runtime.config.limits },
  log: runtime.log,
});
const serve = handle(app);

/** API Gateway HTTP API handler. */
export const handler = async (event: Parameters<typeof serve>[0], context: Context) => {
  runtime.logger.addContext(context);
  return serve(event, context);
};
