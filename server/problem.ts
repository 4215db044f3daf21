/**
 * RFC 9457 problem details. Handlers throw a `Problem`; the app's error handler turns it into an
 * `application/problem+json` response, so every error has the same shape and a `detail` that says what to do.
 */
export class Problem extends Error {
  constructor(
    readonly status: number,
    /** Short kebab-case name; the client can branch on `type` without parsing prose. */
    readonly kind: string,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const problemType = (kind: string) => `urn:recordkeeper:problem:${kind}`;

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
  new Problem(404, 'not-found', 'Not found', `${what} does not exist, or this token may not see it.`);
