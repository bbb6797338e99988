/** The upload limits of reporter forms, from configuration. */
import type { Config } from '../../config.js'
import type { MultipartLimits } from '../multipart.js'

/** Limits as the templates and error messages state them. */
export interface FormLimits {
  readonly maxMessageChars: number
  readonly maxContactChars: number
  readonly maxFiles: number
  readonly maxTotalMiB: number
}

/** The limits stated on reporter pages. */
export function formLimits (config: Config): FormLimits {
  return {
    maxMessageChars: config.maxMessageChars,
    maxContactChars: config.maxContactChars,
    maxFiles: config.maxFiles,
    maxTotalMiB: Math.floor(config.maxSubmissionBytes / (1024 * 1024)),
  }
}

/** The limits enforced while a reporter form streams in. */
export function multipartLimits (config: Config): MultipartLimits {
  return {
    maxFileBytes: config.maxSubmissionBytes,
    maxFiles: config.maxFiles,
    // UTF-8 takes at most four bytes a character; the exact count is checked in the domain.
    maxFieldBytes: config.maxMessageChars * 4 + 4,
    maxFields: 40,
  }
}
