/**
 * The report form handed back when the service cannot take a report now
 * (BUSY): the writer's text answers are read, within small bounds, and come
 * back in their fields; files are never read. Without this, the busy page and
 * a no-store form meant that Back brought the form back empty.
 */
import type { Context } from 'koa'
import type { Config } from '../../config.js'
import { readTextFields, type TextFieldLimits } from '../text-fields.js'
import { multipartLimits } from './limits.js'

// Long enough for the largest message over a slow Tor circuit; short enough that a refused request soon lets go.
const DEADLINE_MS = 10_000
// Framing, the short fields and their names, on top of the two long answers.
const FRAMING_BYTES = 64 * 1024

/** The bounds of reading a refused form's text: every answer the form allows, and no more. */
export function busyReadLimits (config: Config): TextFieldLimits {
  const { maxFields, maxFieldBytes } = multipartLimits(config)
  return { maxBytes: (config.maxMessageChars + config.maxContactChars) * 4 + FRAMING_BYTES, maxFields, maxFieldBytes, deadlineMs: DEADLINE_MS }
}

/** Reads the text answers of a form that cannot be taken now: the first value of each named field, the token apart. */
export async function readRefusedForm (ctx: Context, config: Config, names: ReadonlySet<string>): Promise<{ values: Record<string, string>; csrf: string | undefined }> {
  const { fields } = await readTextFields(ctx.req, busyReadLimits(config))
  const values: Record<string, string> = {}
  let csrf: string | undefined
  for (const [name, value] of fields) {
    if (name === 'csrf') csrf ??= value
    else if (names.has(name) && !Object.hasOwn(values, name)) values[name] = value
  }
  return { values, csrf }
}

/** Marks a busy answer: try again in a minute; the unread rest of the body is not worth reading, so close. */
export function busyAnswer (ctx: Context): void {
  ctx.status = 503
  ctx.set('Retry-After', '60')
  ctx.set('Connection', 'close')
}
