import { FasrError } from '../contracts';

/** An error the review server answers with a given HTTP status and a clear message. */
export class HttpError extends FasrError {
  readonly statusCode: number;
  constructor(statusCode: number, code: string, message: string, context: Record<string, unknown> = {}) {
    super(code, message, { ...context, statusCode });
    this.statusCode = statusCode;
  }
}
