// The one nunjucks Environment. Autoescape is on and stays on; templates reach strings only
// through t(), so every word on a page comes from the message catalogue.
import { fileURLToPath } from 'node:url'
import nunjucks from 'nunjucks'
import { isLocale, translate, type Locale, type MessageParams } from './i18n.js'

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
function errorForGlobal (this: RenderContext, field: string): { text: string } | undefined {
  const errors = this.ctx['errors']
  if (!Array.isArray(errors)) return undefined
  const error = (errors as FieldError[]).find((e) => e.field === field)
  return error === undefined ? undefined : { text: translate(localeOf(this), error.key, error.params) }
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
  return environment
}

const env = createEnvironment()

/** Renders `template` (a path under templates/) with the page context for one response. */
export function renderPage (
  template: string,
  context: Record<string, unknown>,
  options: { locale?: Locale, demoMode: boolean }
): string {
  return env.render(template, { ...context, locale: options.locale ?? 'en', demoMode: options.demoMode })
}
