/**
 * The Welsh catalogue against the English one (issue 13): the same keys with
 * the same parameters for every reporter-side, public and error message; only
 * the workspace's keys (ENGLISH_ONLY_PREFIXES) may be English only. Dates and
 * numbers are written the Welsh way.
 */
import test from 'ava'
import { readFileSync } from 'node:fs'
import { AUDIT_ACTIONS } from '../../src/domain/audit.js'
import { catalogue, ENGLISH_ONLY_PREFIXES, LOCALES, translate } from '../../src/web/i18n.js'
import { renderPage } from '../../src/web/render.js'

const params = (message: string): string[] => [...new Set([...message.matchAll(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g)].map((m) => m[1]!))].sort()
const englishOnly = (key: string): boolean => ENGLISH_ONLY_PREFIXES.some((prefix) => key.startsWith(prefix))

test('every catalogue has the same keys as the English one, outside the English-only workspace keys', (t) => {
  const english = [...catalogue('en').keys()].filter((key) => !englishOnly(key)).sort()
  t.true(english.length > 250)
  for (const locale of LOCALES) {
    const keys = [...catalogue(locale).keys()]
    t.deepEqual(keys.filter((key) => !englishOnly(key)).sort(), english, `${locale}: keys`)
    // Nothing of the workspace half-translated: either all of it or none.
    if (locale !== 'en') t.deepEqual(keys.filter(englishOnly), [], `${locale}: no workspace keys`)
  }
})

test('every audit action has its label for the audit log page', (t) => {
  for (const action of AUDIT_ACTIONS) t.true(catalogue('en').has(`review.audit.actions.${action}`), action)
})

test('every message has the same parameters in every catalogue', (t) => {
  for (const [key, message] of catalogue('en')) {
    if (englishOnly(key)) continue
    for (const locale of LOCALES) t.deepEqual(params(catalogue(locale).get(key) ?? ''), params(message), `${locale}: ${key}`)
  }
})

test('the Welsh catalogue is a translation: no message left in English beyond names and the product\'s own words', (t) => {
  // Messages that are the same in both languages on purpose: names, and format patterns.
  const same = new Set(['service.name', 'language.names.en', 'language.names.cy', 'dates.date', 'report.when.hint', 'statistics.figuresFor', 'statistics.period.month'])
  const untranslated = [...catalogue('en')].filter(([key, message]) => !englishOnly(key) && !same.has(key) && catalogue('cy').get(key) === message).map(([key]) => key)
  t.deepEqual(untranslated, [])
  // The file is in the repository as plain UTF-8 JSON with the English file's shape.
  const raw = readFileSync(new URL('../../src/web/i18n/cy.json', import.meta.url), 'utf8')
  t.true(raw.includes('"Ionawr"'))
})

test('workspace keys fall back to English in Welsh; anything else unknown is still an error', (t) => {
  t.is(translate('cy', 'review.layout.workspace'), translate('en', 'review.layout.workspace'))
  t.throws(() => translate('cy', 'no.such.key'), { instanceOf: TypeError })
})

test('dates and numbers are written the Welsh way', (t) => {
  const html = renderPage('reporter/reports.njk', {
    reporterSession: { csrf: 'x' },
    reports: [{ id: 'r1', forceName: 'Heddlu Gwent', complaintsBody: 'iopc', received: '2025-03-04', state: 'received', replies: [{ id: 'p1', date: '2025-12-01', text: 'Diolch.' }] }],
  }, { demoMode: false, locale: 'cy' })
  t.true(html.includes('4 Mawrth 2025'))
  t.true(html.includes('Ateb a anfonwyd ar 1 Rhagfyr 2025'))
  t.false(html.includes('March'))
  t.is(translate('cy', 'errors.report.messageTooLong', { max: 100_000 }), "Rhaid i'r hyn a ddigwyddodd fod yn 100,000 o nodau neu lai")
  t.is(translate('cy', 'report.attachments.hint', { maxFiles: 10, maxTotalMiB: 500 }), 'Gallwch ddewis hyd at 10 ffeil, 500 MiB i gyd.')
})
