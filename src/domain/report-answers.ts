/**
 * A reporter's answers: checked against closed values and limits before
 * anything is encrypted. Problems are (field, code) pairs; the web layer turns
 * codes into messages from the catalogue.
 */
import { ANONYMITY, AT_RISK, CATEGORIES, DUTIES, ROLES, SETTINGS, isOneOf, type Category } from './categories.js'

/** The raw text answers of the report form, by field name (the field names are a contract). */
export type RawAnswers = Partial<Record<AnswerField, string>>

/** Every text field of the report form. */
export const ANSWER_FIELDS = ['force', 'category', 'message', 'anonymity', 'contact', 'role', 'duty', 'setting', 'when-month', 'when-year', 'at-risk'] as const

/** One text field name. */
export type AnswerField = typeof ANSWER_FIELDS[number]

/** Checked answers. */
export interface Answers {
  readonly force: string
  readonly category: Category
  readonly message: string
  readonly anonymity: keyof typeof ANONYMITY
  readonly contact?: string
  readonly role?: keyof typeof ROLES
  readonly duty?: keyof typeof DUTIES
  readonly setting?: keyof typeof SETTINGS
  /** Month and year at most, as YYYY-MM or YYYY. */
  readonly when?: string
  readonly atRisk?: keyof typeof AT_RISK
}

/** Why a field was refused. */
export type ProblemCode = 'missing' | 'unknown' | 'unavailable' | 'too-long' | 'invalid' | 'future' | 'dropped'

/** One refused field. */
export interface Problem {
  readonly field: AnswerField | 'attachments'
  readonly code: ProblemCode
}

/** Limits that apply to answers. */
export interface AnswerLimits {
  readonly maxMessageChars: number
  readonly maxContactChars: number
}

/** What validation needs to know about forces. */
export interface ForceAvailability {
  isKnown (id: string): boolean
  isAvailable (id: string): boolean
}

function optional<T extends object> (table: T, value: string | undefined, field: AnswerField, problems: Problem[]): Extract<keyof T, string> | undefined {
  if (value === undefined || value === '') return undefined
  if (isOneOf(table, value)) return value
  problems.push({ field, code: 'invalid' })
  return undefined
}

// Counted in code points, as a reader would count characters.
function length (text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}

function checkWhen (raw: RawAnswers, today: string, problems: Problem[]): string | undefined {
  const month = (raw['when-month'] ?? '').trim()
  const year = (raw['when-year'] ?? '').trim()
  if (month === '' && year === '') return undefined
  const thisYear = Number(today.slice(0, 4))
  const m = /^\d{1,2}$/.test(month) ? Number(month) : NaN
  const y = /^\d{4}$/.test(year) ? Number(year) : NaN
  if (month !== '' && !(m >= 1 && m <= 12)) problems.push({ field: 'when-month', code: 'invalid' })
  if (year === '' || !(y >= 1950 && y <= thisYear)) {
    problems.push({ field: 'when-year', code: year !== '' && y > thisYear ? 'future' : 'invalid' })
    return undefined
  }
  if (month === '') return String(y)
  if (!(m >= 1 && m <= 12)) return undefined
  const when = `${y}-${String(m).padStart(2, '0')}`
  if (when > today.slice(0, 7)) {
    problems.push({ field: 'when-month', code: 'future' })
    return undefined
  }
  return when
}

/** Checks raw answers; returns the answers or the list of problems. */
export function checkAnswers (raw: RawAnswers, forces: ForceAvailability, limits: AnswerLimits, today: string): { answers: Answers; problems: [] } | { answers?: undefined; problems: Problem[] } {
  const problems: Problem[] = []
  const force = (raw.force ?? '').trim()
  if (force === '') problems.push({ field: 'force', code: 'missing' })
  else if (!forces.isKnown(force)) problems.push({ field: 'force', code: 'unknown' })
  else if (!forces.isAvailable(force)) problems.push({ field: 'force', code: 'unavailable' })

  const category = raw.category ?? ''
  if (category === '') problems.push({ field: 'category', code: 'missing' })
  else if (!isOneOf(CATEGORIES, category)) problems.push({ field: 'category', code: 'unknown' })

  const message = (raw.message ?? '').replace(/\r\n?/g, '\n')
  if (message.trim() === '') problems.push({ field: 'message', code: 'missing' })
  else if (length(message) > limits.maxMessageChars) problems.push({ field: 'message', code: 'too-long' })

  const anonymity = raw.anonymity ?? ''
  const contact = (raw.contact ?? '').replace(/\r\n?/g, '\n').trim()
  if (anonymity === '') problems.push({ field: 'anonymity', code: 'missing' })
  else if (!isOneOf(ANONYMITY, anonymity)) problems.push({ field: 'anonymity', code: 'invalid' })
  else if (anonymity === 'contact' && contact === '') problems.push({ field: 'contact', code: 'missing' })
  if (anonymity === 'contact' && length(contact) > limits.maxContactChars) problems.push({ field: 'contact', code: 'too-long' })

  const role = optional(ROLES, raw.role, 'role', problems)
  const duty = optional(DUTIES, raw.duty, 'duty', problems)
  const setting = optional(SETTINGS, raw.setting, 'setting', problems)
  const atRisk = optional(AT_RISK, raw['at-risk'], 'at-risk', problems)
  const when = checkWhen(raw, today, problems)

  if (problems.length > 0) return { problems }
  return {
    problems: [],
    answers: Object.freeze({
      force,
      category: category as Category,
      message,
      anonymity: anonymity as keyof typeof ANONYMITY,
      // Contact details given with "stay anonymous" are dropped, never stored: the reporter chose anonymity.
      ...(anonymity === 'contact' ? { contact } : {}),
      ...(role === undefined ? {} : { role }),
      ...(duty === undefined ? {} : { duty }),
      ...(setting === undefined ? {} : { setting }),
      ...(when === undefined ? {} : { when }),
      ...(atRisk === undefined ? {} : { atRisk }),
    }),
  }
}
