import { PROBLEMS, type ProblemKind, problemKindOf } from '../../records/problems';
import { ConnectorError } from '../connector';
import { type AnswerContext, answerError, parseRetryAfter } from '../http';

/**
 * A Records API answer that is not a success, as a ConnectorError. The repository names each problem
 * (`urn:recordkeeper:problem:<kind>`, utils/records/problems.ts, the catalogue the server answers from), and its
 * advice decides: `retry` waits (also a 400 such as an interrupted upload), `auth` asks for credentials,
 * `reupload` sends the parts again; anything else, or a server that is not ours, is read by its status alone
 * (utils/connectors/http.ts).
 */
export async function recordsApiError(
  response: Response,
  context: AnswerContext,
): Promise<{ error: ConnectorError; problem?: ProblemKind | undefined }> {
  const text = await response.text().catch(() => '');
  let problem: ProblemKind | undefined;
  let detail = text.slice(0, 300) || response.statusText || `HTTP ${response.status}`;
  try {
    const body = JSON.parse(text) as { type?: unknown; detail?: unknown; title?: unknown };
    problem = problemKindOf(body.type);
    if (typeof body.detail === 'string') detail = body.detail;
    else if (typeof body.title === 'string') detail = body.title;
  } catch {
    // Not a problem document: the raw text says more than nothing.
  }
  const { status, headers } = response;
  const advice = problem && PROBLEMS[problem].advice;
  if (advice === 'retry' && status < 500 && status !== 429 && status !== 408) {
    const retryAfterMs = parseRetryAfter(headers.get('Retry-After'), context.now);
    const kind = retryAfterMs === undefined ? 'retryable' : 'throttled';
    return {
      error: new ConnectorError(`The repository asks to try again (${status}): ${detail}`, kind, {
        status,
        retryAfterMs,
      }),
      problem,
    };
  }
  if (advice === 'auth') {
    return {
      error: new ConnectorError(`The repository refused the token (${status}): ${detail}`, 'auth', {
        status,
        interactive: true,
      }),
      problem,
    };
  }
  return { error: answerError(status, headers, detail, context), problem };
}
