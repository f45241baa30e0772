import type { Request, Response } from 'express';
import type { Answer } from './answer';
import { SandboxApiError } from './api-error';
import { answerToJson, errorToJson } from './json-writer';
import { answerToXml, errorToXml } from './xml-writer';

export type AnswerFormat = 'xml' | 'json';

/**
 * As Last.fm chooses: JSON only for `format=json`, XML (its default) otherwise. Read from the
 * query and the body as sent, before they are checked, so even a refused call is answered in
 * the format its client reads.
 */
export function formatOf(req: Request): AnswerFormat {
  const body: unknown = req.body;
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).format : undefined;
  return (fromBody ?? req.query.format) === 'json' ? 'json' : 'xml';
}

export function writeAnswer(format: AnswerFormat, answer: Answer): string {
  return format === 'json' ? answerToJson(answer) : answerToXml(answer);
}

export function sendAnswer(res: Response, format: AnswerFormat, body: string): void {
  res.status(200).type(contentType(format)).send(body);
}

/** A SandboxApiError as Last.fm words it; anything else as Last.fm's temporary error 16, with a 500. */
export function sendError(res: Response, format: AnswerFormat, error: unknown, httpStatus?: number): void {
  const { code, message, httpStatus: usual } = error instanceof SandboxApiError ? error : { code: 16, message: 'There was a temporary error processing your request. Please try again', httpStatus: 500 };
  res
    .status(httpStatus ?? usual)
    .type(contentType(format))
    .send(format === 'json' ? errorToJson(code, message) : errorToXml(code, message));
}

export function contentType(format: AnswerFormat): string {
  return format === 'json' ? 'application/json; charset=utf-8' : 'text/xml; charset=utf-8';
}
