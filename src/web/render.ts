// The one nunjucks Environment. Autoescape is on and stays on; templates reach strings only
// through t(), so every word on a page comes from the message catalogue.
import { fileURLToPath } from 'node:url'
import nunjucks from 'nunjucks'
import { DEFAULT_EXIT_URL } from '../config.js'
import { isLocale, localePath, translate, type Locale, type MessageParams } from './i18n.js'
import { assetPath } from './static-files.js'
import { DEFAULT_RETAIN_CLOSED_DAYS } from '../domain/retention.js'

const templatesDir = fileURLToPath(new URL('../../templates/', import.meta.url))
const govukDir = fileURLToPath(new URL('../../node_modules/govuk-frontend/dist/', import.meta.url))

/** A form error as routes hand it to templates: the field it belongs to and a catalogue key. */
export interface FieldError {
  readonly field: string
  readonly key: string
  readonly params?: MessageParams
}

// Globals are called with the render Context as `this`; reading the locale from it keeps one
// Environment for every locale.
interface RenderContext {
  readonly ctx: Record<string, unknown>
}

function localeOf (context: RenderContext): Locale {
  const locale = context.ctx['locale']
  // Macros imported without `with context` see no page variables, so they cannot translate.
  if (!isLocale(locale)) throw new TypeError('t() called without a locale; import the macro "with context"')
  return locale
}

function translateGlobal (this: RenderContext, key: string, params?: MessageParams): string {
  return translate(localeOf(this), key, params)
}

// Spares every form field a search of the errors list; returns the shape govuk macros take
// for `errorMessage`, or undefined when the field is fine.
function errorForGlobal (this: RenderContext, field: string): { text: string, visuallyHiddenText: string } | undefined {
  const errors = this.ctx['errors']
  if (!Array.isArray(errors)) return undefined
  const error = (errors as FieldError[]).find((e) => e.field === field)
  if (error === undefined) return undefined
  // GOV.UK's hidden "Error:" before the message would otherwise stay English on a Welsh page.
  const locale = localeOf(this)
  return { text: translate(locale, error.key, error.params), visuallyHiddenText: translate(locale, 'common.errorHidden') }
}

// Routes hand dates over as YYYY-MM-DD; the catalogue spells them out ("4 March 2025") so a
// translation orders day, month and year itself. Plain text, so it can also fill a t() parameter.
function formatDateGlobal (this: RenderContext, isoDate: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(isoDate))
  if (match === null) throw new TypeError('formatDate() expects a YYYY-MM-DD date')
  const locale = localeOf(this)
  return translate(locale, 'dates.date', {
    day: Number(match[3]),
    month: translate(locale, `dates.months.${Number(match[2])}`),
    // A string, not a number: the locale's number format would group "2,025".
    year: match[1]!
  })
}

// Every link and form action to the reporter's side goes through localPath, so a page in another
// language links within that language (the language lives in the path, issue 13).
function localPathGlobal (this: RenderContext, path: string): string {
  return localePath(localeOf(this), path)
}

// nunjucks' own trim filter runs /^\s*|\s*$/g, which takes quadratic time on the long HTML
// strings the GOV.UK macros trim (over a quarter of the report form's render time, profiled in
// docs/performance.md); String.prototype.trim strips exactly the characters \s matches, in linear time.
function fastTrim (original: (value: unknown) => unknown): (value: unknown) => unknown {
  const { SafeString } = nunjucks.runtime
  return (value) => {
    if (value instanceof SafeString) return new SafeString(value.val.trim())
    if (typeof value === 'string') return value.trim()
    return original(value)
  }
}

function createEnvironment (): nunjucks.Environment {
  // Templates are compiled once and cached in every mode, demo included: re-reading them from disk
  // cost about 150 ms a page, so a burst of 200 invalid posts to the demo took 40 s (issue 9).
  const loader = new nunjucks.FileSystemLoader([templatesDir, govukDir], { noCache: false })
  const environment = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false })
  environment.addFilter('trim', fastTrim(environment.getFilter('trim') as (value: unknown) => unknown))
  environment.addGlobal('t', translateGlobal)
  environment.addGlobal('errorFor', errorForGlobal)
  environment.addGlobal('formatDate', formatDateGlobal)
  environment.addGlobal('asset', assetPath)
  environment.addGlobal('localPath', localPathGlobal)
  environment.addGlobal('pathIn', localePath)
  return environment
}

const env = createEnvironment()

// Text whose spaces and line breaks are shown as written: form fields, preformatted text, and
// the elements our stylesheet sets to white-space: pre-wrap (a test keeps this list complete).
const KEEP_WHITESPACE = /<(textarea|pre)\b[\s\S]*?<\/\1>|<p class="[^"]*\bcandour-reply__text\b[^"]*">[^<]*<\/p>/g

/**
 * Drops the indentation of every line (the GOV.UK macros indent deeply: a quarter of the report
 * form's bytes, and HTML goes uncompressed over slow Tor circuits). Whitespace at the start of a
 * line never changes how HTML renders, except inside the elements KEEP_WHITESPACE spares.
 */
export function dropIndentation (html: string): string {
  let out = ''
  let last = 0
  for (const match of html.matchAll(KEEP_WHITESPACE)) {
    out += html.slice(last, match.index).replace(/\n[ \t\n]+/g, '\n') + match[0]
    last = match.index + match[0].length
  }
  return out + html.slice(last).replace(/\n[ \t\n]+/g, '\n')
}

/** Renders `template` (a path under templates/) with the page context for one response. */
export function renderPage (
  template: string,
  context: Record<string, unknown>,
  options: { locale?: Locale, demoMode: boolean, exitUrl?: string, retainClosedDays?: number }
): string {
  // The locale comes from the options, else from the page context (routes pass the request's), else English.
  const locale = options.locale ?? (isLocale(context.locale) ? context.locale : 'en')
  return dropIndentation(env.render(template, { ...context, locale, demoMode: options.demoMode, exitUrl: options.exitUrl ?? DEFAULT_EXIT_URL, retainClosedDays: options.retainClosedDays ?? DEFAULT_RETAIN_CLOSED_DAYS }))
}
