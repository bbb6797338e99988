// The message catalogues. Every user-facing string lives in src/web/i18n/<locale>.json, so a
// translation is a new JSON file and a new Locale member, never a template change.
import { readFileSync } from 'node:fs'

export type Locale = 'en' | 'cy'

/** Every locale with a catalogue, English first (the language of the workspace). */
export const LOCALES: readonly Locale[] = Object.freeze(['en', 'cy'])

/**
 * Keys that only the workspace (reviewers and call handlers) uses: it is English only, so another
 * catalogue need not have them (they fall back to English), and the parity
 * test leaves them out. Every other key (reporter pages, public pages, error
 * pages) must be in every catalogue with the same parameters.
 */
export const ENGLISH_ONLY_PREFIXES: readonly string[] = Object.freeze(['review.', 'errors.review.', 'intake.', 'errors.intake.', 'errors.page.intakeReceiptGone.'])

/** Values substituted for `{name}` placeholders; numbers are formatted for the locale. */
export type MessageParams = Readonly<Record<string, string | number>>

const LANGUAGE_TAGS: Record<Locale, string> = { en: 'en-GB', cy: 'cy-GB' }

function flatten (node: unknown, prefix: string, into: Map<string, string>): void {
  if (typeof node === 'string') {
    // An empty message would render as a silent gap on the page; refuse it at start-up.
    if (node.trim() === '') throw new TypeError(`Empty message in catalogue: ${prefix}`)
    into.set(prefix, node)
    return
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) {
    throw new TypeError(`Catalogue entry is neither a message nor a group: ${prefix}`)
  }
  for (const [key, value] of Object.entries(node)) {
    flatten(value, prefix === '' ? key : `${prefix}.${key}`, into)
  }
}

function load (locale: Locale): ReadonlyMap<string, string> {
  const url = new URL(`i18n/${locale}.json`, import.meta.url)
  const messages = new Map<string, string>()
  flatten(JSON.parse(readFileSync(url, 'utf8')) as unknown, '', messages)
  return messages
}

const catalogues: Readonly<Record<Locale, ReadonlyMap<string, string>>> = { en: load('en'), cy: load('cy') }

// Limits read better grouped ("100,000"); no message takes a year, which grouping would spoil.
const numberFormats: Readonly<Record<Locale, Intl.NumberFormat>> = {
  en: new Intl.NumberFormat(LANGUAGE_TAGS.en, { maximumFractionDigits: 1 }),
  cy: new Intl.NumberFormat(LANGUAGE_TAGS.cy, { maximumFractionDigits: 1 })
}

/** The messages of a catalogue by key (the parity test compares them). */
export function catalogue (locale: Locale): ReadonlyMap<string, string> {
  return catalogues[locale]
}

function englishOnly (key: string): boolean {
  return ENGLISH_ONLY_PREFIXES.some((prefix) => key.startsWith(prefix))
}

/** The path of a page in `locale`: English paths as they are, another language's under its prefix (`/cy/report`). */
export function localePath (locale: Locale, path: string): string {
  if (!path.startsWith('/')) throw new TypeError('localePath() expects a path starting with /')
  return locale === 'en' ? path : `/${locale}${path}`
}

/** True when `value` is a locale with a catalogue. */
export function isLocale (value: unknown): value is Locale {
  return typeof value === 'string' && Object.hasOwn(catalogues, value)
}

/** True when `key` names a message in the catalogue for `locale`. */
export function hasMessage (locale: Locale, key: string): boolean {
  return catalogues[locale]?.has(key) ?? false
}

/** The message `key` for `locale` with `{name}` placeholders filled; throws TypeError on a typo. */
export function translate (locale: Locale, key: string, params: MessageParams = {}): string {
  const message = catalogues[locale]?.get(key) ?? (englishOnly(key) ? catalogues.en.get(key) : undefined)
  if (message === undefined) throw new TypeError(`Unknown message key: ${key}`)
  return message.replace(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g, (_, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined
    if (value === undefined) throw new TypeError(`Missing parameter {${name}} for message: ${key}`)
    return typeof value === 'number' ? numberFormats[locale].format(value) : value
  })
}
