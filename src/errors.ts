/** The one catalog of problems the API can answer with (RFC 9457 problem+json). */
export const problemCatalog = {
  invalid_json: { status: 400, title: "Request body is not valid JSON" },
  malformed_request: { status: 400, title: "The request is not valid HTTP" },
  unauthorized: { status: 401, title: "Authentication required" },
  forbidden: { status: 403, title: "Not allowed for this key" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  request_timeout: { status: 408, title: "The request did not arrive in time" },
  payload_too_large: { status: 413, title: "Request body too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  headers_too_large: { status: 431, title: "Request headers too large" },
  validation_failed: { status: 422, title: "Request does not match the schema" },
  limit_exceeded: { status: 422, title: "Request exceeds a configured limit" },
  rate_limited: { status: 429, title: "Too many requests" },
  budget_exceeded: { status: 429, title: "Daily token budget spent" },
  internal: { status: 500, title: "Internal server error" },
  misconfigured: { status: 500, title: "The deployment is misconfigured" },
  not_implemented: { status: 501, title: "Not available on this deployment" },
  upstream_error: { status: 502, title: "The upstream model failed" },
  upstream_invalid_output: { status: 502, title: "The upstream model gave an invalid answer" },
  upstream_not_configured: { status: 503, title: "No upstream model is configured" },
  upstream_unavailable: { status: 503, title: "The upstream model is failing; failing fast" },
  not_ready: { status: 503, title: "Not ready: the database did not answer" },
  upstream_timeout: { status: 504, title: "The upstream model timed out" },
} as const;

export type ProblemCode = keyof typeof problemCatalog;

export interface FieldError {
  path: string;
  message: string;
}

/** A failure with a known meaning; the app maps it to its problem+json response in one place. */
export class ProblemError extends Error {
  override name = "ProblemError";
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Seconds after which a retry may succeed, sent as Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(detail);
  }
  get status(): number {
    return problemCatalog[this.code].status;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ProblemCode;
  errors?: FieldError[];
}

function problemType(code: ProblemCode): string {
  return `/problems/${code}`;
}

export function problemBody(error: ProblemError, requestId: string): ProblemBody {
  const { status, title } = problemCatalog[error.code];
  return {
    type: problemType(error.code),
    title,
    status,
    detail: error.detail,
    instance: `urn:request:${requestId}`,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** Renders a zod-style issue path (`["items", 2, "question"]`) as a JSON Pointer (`/items/2/question`). */
export function pointer(path: readonly PropertyKey[]): string {
  return `/${path.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;
}
