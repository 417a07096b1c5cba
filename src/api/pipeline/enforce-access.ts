import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import { needsParticipation } from '../../contract/permission.js';
import { TAGS } from '../../contract/tags.js';
import { AppError } from '../../shared/errors.js';
import { takesPart } from '../shared/participation.js';

/**
 * The access rules beyond role that an operation declares (issue 9), in one step after
 * validation: the participant rule (seed 001's "guest" conversation rows, and a visitor's own
 * rows). A caller that does not take part in the row the path names gets `not_found`, exactly as
 * for a row of another organization: it learns nothing of rows it may not reach. The self rule is
 * decided with the role (enforce-permission.ts); public-by-token operations reach only the row
 * their token names, in the handler's one query.
 */
export function enforceAccess(knex: Knex): Middleware {
  return async function enforceAccessStep(ctx, next) {
    const { operation, identity, params } = ctx.state.call;
    const rule = operation.participant;
    if (rule && identity && needsParticipation(operation, identity)) {
      const value = params[rule.param];
      if (typeof value !== 'string' || !(await takesPart(knex, rule.resource, identity, value))) {
        throw new AppError('not_found', `No such ${TAGS[operation.tag]?.singular ?? rule.resource}.`);
      }
    }
    await next();
  };
}
