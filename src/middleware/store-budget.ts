import type { RequestHandler } from 'express';
import { withStoreBudget } from '../stores/deadline';

/** Every request gets the store deadline once, for all its store calls together (stores/deadline.ts). */
export const storeBudgetPerRequest: RequestHandler = (_req, _res, next) => {
  withStoreBudget(next);
};
