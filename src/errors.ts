/**
 * The one error type of the project. Every failure a caller may act on has a
 * stable upper-case code; tests compare codes, never messages. Messages are
 * constant strings: they never hold a codename, an id, a header, form content
 * or a file name (house rule 4).
 */

/** Every stable error code, with the HTTP status it maps to and whether its message may reach a user. */
export const ERROR_CODES = {
  CONFIG_INVALID: { status: 500, expose: false },
  KEY_INVALID: { status: 500, expose: false },
  KEYS_MISSING: { status: 500, expose: false },
  FORCE_UNKNOWN: { status: 400, expose: true },
  FORCE_UNAVAILABLE: { status: 400, expose: true },
  VALIDATION_FAILED: { status: 400, expose: true },
  MULTIPART_MALFORMED: { status: 400, expose: true },
  UNSUPPORTED_MEDIA_TYPE: { status: 400, expose: true },
  PAYLOAD_TOO_LARGE: { status: 413, expose: true },
  TOO_MANY_FILES: { status: 413, expose: true },
  CLIENT_ABORTED: { status: 400, expose: true },
  CROSS_SITE_REQUEST: { status: 403, expose: true },
  CSRF_INVALID: { status: 403, expose: true },
  TOO_MANY_ATTEMPTS: { status: 429, expose: true },
  LOGIN_BUSY: { status: 503, expose: true },
  BUSY: { status: 503, expose: true },
  STORAGE_LOW: { status: 503, expose: true },
  STORE_CONFLICT: { status: 500, expose: false },
  NOT_FOUND: { status: 404, expose: true },
  METHOD_NOT_ALLOWED: { status: 405, expose: true },
  STORE_LOCKED: { status: 503, expose: false },
  STORE_FAILED: { status: 500, expose: false },
  ENCRYPTION_FAILED: { status: 500, expose: false },
  CONTROL_FAILED: { status: 500, expose: false },
  HEALTH_FAILED: { status: 500, expose: false },
  AUDIT_BROKEN: { status: 500, expose: false },
  STATS_MISMATCH: { status: 500, expose: false },
  CIPHERTEXT_INVALID: { status: 400, expose: true },
  RECIPIENTS_MISMATCH: { status: 400, expose: true },
  BUNDLE_INVALID: { status: 400, expose: true },
  TRANSITION_INVALID: { status: 400, expose: true },
  // Anything not foreseen: a bug or a failing machine, never the visitor's doing (issue 9).
  INTERNAL: { status: 500, expose: false },
  // A reviewer's session outlived their account as it was at login: removed, reset, or a new account of that name.
  SESSION_ENDED: { status: 403, expose: true },
  // A report moved to another force while an item for it was being encrypted: nothing was kept (issue 9, item 7).
  REPORT_MOVED: { status: 409, expose: true },
  // Operations (issue 14): `backup`, `restore`, `check`; never reached over HTTP.
  BACKUP_INVALID: { status: 400, expose: false },
  CHECK_FAILED: { status: 500, expose: false },
  // The offline tools (`candour decrypt`, `transfer`, `keys`): never reached over HTTP.
  PASSPHRASE_WRONG: { status: 400, expose: false },
  KEY_MISMATCH: { status: 400, expose: false },
  MESSAGE_DAMAGED: { status: 400, expose: false },
  ITEM_MISSING: { status: 400, expose: false },
  ITEM_UNLISTED: { status: 400, expose: false },
  OUTPUT_EXISTS: { status: 400, expose: false },
  OUTPUT_UNSAFE: { status: 400, expose: false },
} as const satisfies Record<string, { status: number; expose: boolean }>

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES

/** The project's error: a stable code, a constant message, an HTTP status and whether it may be shown. */
export class CandourError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly expose: boolean
  /** Extra detail for callers (a field name, a limit); never user content. */
  readonly detail: Readonly<Record<string, string | number>>

  constructor (code: ErrorCode, message: string, options: { cause?: unknown; detail?: Record<string, string | number> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CandourError'
    this.code = code
    this.status = ERROR_CODES[code].status
    this.expose = ERROR_CODES[code].expose
    this.detail = Object.freeze({ ...(options.detail ?? {}) })
  }
}

/** True when `err` is a CandourError, optionally with the given code. */
export function isCandourError (err: unknown, code?: ErrorCode): err is CandourError {
  return err instanceof CandourError && (code === undefined || err.code === code)
}
