/** An AWS SDK v3 service exception, or any error that may carry its fields. */
interface ServiceErrorFields {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
}

/** Returns the AWS error code of an SDK error ("QueueDoesNotExist", "TaskTimedOut"), or the Node.js errno code. */
export function awsErrorCode(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const fields = error as ServiceErrorFields;
  return fields.Code ?? (fields.name && fields.name !== "Error" ? fields.name : undefined) ?? fields.code ?? "Error";
}


/** Error codes that mean the caller's identity or credentials are wrong; retrying cannot help. */
const CREDENTIAL_ERRORS = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "ExpiredTokenException",
  "MissingAuthenticationToken",
  "CredentialsProviderError",
  "InvalidSecurity",
]);

/** Returns whether an error means the credentials or permissions are wrong. */
export function isCredentialError(error: unknown): boolean {
  return CREDENTIAL_ERRORS.has(awsErrorCode(error));
}

/** Returns whether an error was an abort requested through an AbortSignal. */
export function isAbortError(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code === "AbortError" || (error as { code?: string } | null)?.code === "ABORT_ERR";
}

/**
 * Raised for an error that retrying cannot fix, such as a queue that does
 * not exist or missing permissions. The worker stops and Tasque exits with 2.
 */
export class PermanentSourceError extends Error {
  override readonly name = "PermanentSourceError";

  constructor(
    message: string,
    /** The AWS error code, such as "QueueDoesNotExist". */
    readonly awsCode: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
