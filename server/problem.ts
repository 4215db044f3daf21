import { PROBLEMS, type ProblemKind, problemType } from '../utils/records/problems.ts';

/**
 * RFC 9457 problem details. Handlers throw a `Problem` of a kind from the catalogue (utils/records/problems.ts),
 * which fixes its status and title; the app's error handler turns it into an `application/problem+json` response,
 * so every error has the same shape and a `detail` that says what to do.
 */
export class Problem extends Error {
  readonly status: number;
  readonly title: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    options: { extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = PROBLEMS[kind].status;
    this.title = PROBLEMS[kind].title;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export function problemResponse(problem: Problem): Response {
  const body = {
    type: problemType(problem.kind),
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    ...problem.extra,
  };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.headers },
  });
}

export const notFound = (what: string) =>
  new Problem('not-found', `${what} does not exist, or this token may not see it.`);
