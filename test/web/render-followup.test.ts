import test from 'ava'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { renderPage, type FieldError } from '../../src/web/render.js'
import { hasMessage, translate } from '../../src/web/i18n.js'
import { builtStylesheet } from '../helpers/static-files.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const live = { demoMode: false }

const csrf = 'csrf-token-<&">'
const csrfInHtml = 'csrf-token-&lt;&amp;&quot;&gt;'
const reporterSession = { csrf }
const forces = [{ id: 'kent', name: 'Kent Police', available: true }]
const limits = { maxFiles: 10, maxTotalMiB: 500 }
const replyText = '<b>x</b>\nline2'
const reports = [
  {
    id: 'report-2',
    forceName: 'Kent Police',
    received: '2025-03-04',
    state: 'assessing',
    replies: [
      { id: 'reply-b', date: '2025-03-10', text: replyText },
      { id: 'reply-a', date: '2025-03-05', text: 'We have your report.' }
    ]
  },
  { id: 'report-1', forceName: 'Metropolitan Police Service', received: '2024-11-21', state: 'closed', replies: [] }
]
const furtherErrors: FieldError[] = [
  { field: 'message', key: 'errors.further.messageTooLong', params: { max: 100_000 } },
  { field: 'attachments', key: 'errors.report.filesTooLarge', params: { maxTotalMiB: 500 } }
]

// How nunjucks escapes a message in a page.
function escaped (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

// The statistics page (issue 12): one published and one suppressed figure of each kind of table.
const statisticsPeriod = { id: '2025-26', type: 'financial-year', firstMonth: 4, lastMonth: 3, firstYear: '2025', lastYear: '2026' }
const statisticsChoices = {
  areas: [{ id: 'national' }, { id: 'kent', name: 'Kent Police' }],
  periods: [statisticsPeriod, { id: '2026-03', type: 'month', firstMonth: 3, lastMonth: 3, firstYear: '2026', lastYear: '2026' }],
  licence: { name: 'Open Government Licence v3.0', url: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/' },
}
const statisticsPage = {
  ...statisticsChoices,
  area: { id: 'national' },
  national: true,
  period: statisticsPeriod,
  tables: [
    { id: 'received', rows: [{ measure: 'received', value: 12, suppressed: false, bar: 100 }, { measure: 'received-online', value: null, suppressed: true, bar: 0 }] },
    { id: 'outcomes', rows: [{ measure: 'closed', value: 7, suppressed: false, bar: 100 }, { measure: 'closed-intelligence', value: 7, suppressed: false, bar: 100 }] },
  ],
  trend: [{ month: 4, year: '2025', value: 3, suppressed: false, bar: 50 }, { month: 5, year: '2025', value: null, suppressed: true, bar: 0 }],
  byForce: [{ id: 'kent', name: 'Kent Police', value: null, suppressed: true, bar: 0 }],
}

// Every reporter page with a representative context; `session` marks the logged-in ones.
function pages (demoMode: boolean): Array<{ name: string, template: string, html: string, session: boolean }> {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['start', 'reporter/start.njk', {}],
    ['report form', 'reporter/report-form.njk', { forces, limits }],
    ['report form logged in', 'reporter/report-form.njk', { forces, limits, reporterSession }],
    ['codename', 'reporter/codename.njk', { codename: 'alpha bravo', forceName: 'Kent Police', urgent: true }],
    ['login', 'reporter/login.njk', {}],
    ['login errors', 'reporter/login.njk', { notice: 'session-ended', errors: [{ field: 'codename', key: 'errors.login.notRecognised' }] }],
    ['reports', 'reporter/reports.njk', { reporterSession, reports, notice: 'reply-deleted' }],
    ['reports empty', 'reporter/reports.njk', { reporterSession, reports: [], notice: 'logged-in' }],
    ['further', 'reporter/further.njk', { reporterSession, report: reports[0], limits }],
    ['further errors', 'reporter/further.njk', {
      reporterSession, report: reports[0], limits, values: { message: 'more' }, errors: furtherErrors, filesDropped: true
    }],
    ['logged out', 'reporter/logged-out.njk', {}],
    ['session ended while writing', 'reporter/session-ended.njk', { values: { message: 'kept text' } }],
    ['report form after the session ended', 'reporter/report-form.njk', { forces, limits, values: { message: 'kept' }, sessionEnded: true }],
    ['report added', 'reporter/report-added.njk', { reporterSession, forceName: 'Kent Police', urgent: true }],
    ['statistics, none yet', 'reporter/statistics.njk', { ...statisticsChoices, area: { id: 'national' }, empty: true }],
    ['statistics', 'reporter/statistics.njk', statisticsPage],
    ['statistics of a force, logged in', 'reporter/statistics.njk', { ...statisticsPage, reporterSession, area: { id: 'kent', name: 'Kent Police' }, national: false, byForce: undefined }],
    ['error page logged in', 'errors/error.njk', {
      reporterSession, status: 403, titleKey: 'errors.page.forbidden.title', bodyKey: 'errors.page.forbidden.body'
    }]
  ]
  return cases.map(([name, template, context]) => ({
    name, template, html: renderPage(template, context, { demoMode }), session: 'reporterSession' in context
  }))
}

// The form element that posts to `action`, from its opening tag to its closing tag.
function formFor (html: string, action: string): string {
  const match = new RegExp(`<form[^>]*action="${action.replace(/[/?]/g, '\\$&')}"[^>]*>[\\s\\S]*?</form>`).exec(html)
  if (match === null) throw new Error(`no form posting to ${action}`)
  return match[0]
}

function inputNames (form: string): string[] {
  return [...form.matchAll(/<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"/g)].map((m) => m[1]!)
}

test('every reporter template is rendered here, with no script, event handler or javascript: URL', (t) => {
  const rendered = new Set<string>()
  for (const demoMode of [false, true]) {
    for (const { name, template, html } of pages(demoMode)) {
      rendered.add(template)
      t.true(html.startsWith('<!DOCTYPE html>'), name)
      t.notRegex(html, /<script/i, name)
      t.notRegex(html, /\son[a-z]+\s*=/i, name)
      t.notRegex(html, /javascript:/i, name)
      t.notRegex(html, /<(?:link|img|iframe|object|embed)\b[^>]*\b(?:href|src)="(?:https?:)?\/\//i, name)
    }
  }
  const onDisk = readdirSync(join(root, 'templates/reporter')).filter((f) => f.endsWith('.njk')).map((f) => `reporter/${f}`)
  for (const template of onDisk) t.true(rendered.has(template), template)
})

test('a logged-in page has "Your reports" and a log-out form carrying the token; others have neither', (t) => {
  for (const { name, html, session } of pages(false)) {
    if (session) {
      const logout = formFor(html, '/logout')
      t.regex(logout, /<form method="post" action="\/logout"/, name)
      t.true(logout.includes(`<input type="hidden" name="csrf" value="${csrfInHtml}">`), name)
      t.regex(logout, /<button type="submit"[^>]*>\s*Log out\s*<\/button>/, name)
      t.regex(html, /<nav class="candour-header__session" aria-label="[^"]+">[\s\S]*href="\/reports"/, name)
    } else {
      t.false(html.includes('action="/logout"'), name)
      t.false(html.includes('candour-header__session'), name)
      t.false(html.includes('name="csrf"'), name)
    }
  }
})

test('a reply is escaped text and keeps its line breaks', (t) => {
  const html = renderPage('reporter/reports.njk', { reporterSession, reports }, live)
  t.false(html.includes('<b>x</b>'))
  t.true(html.includes('<p class="govuk-body candour-reply__text">&lt;b&gt;x&lt;/b&gt;\nline2</p>'))
  t.regex(builtStylesheet('reporter.css'), /\.candour-reply__text\{[^}]*white-space:pre-wrap/)
})

test('text from the store is escaped in every part of the reports page', (t) => {
  const hostile = [{
    id: '"><i>id</i>', forceName: '<u>force</u>', received: '2025-01-02', state: 'received',
    replies: [{ id: '"><i>r</i>', date: '2025-01-03', text: '<s>t</s>' }]
  }]
  const html = renderPage('reporter/reports.njk', { reporterSession, reports: hostile }, live)
  for (const raw of ['<u>force</u>', '<i>id</i>', '<i>r</i>', '<s>t</s>']) t.false(html.includes(raw), raw)
  // The force name also reaches the button and the link through captured blocks and t() params.
  t.true(html.includes('on your report to &lt;u&gt;force&lt;/u&gt;'))
  t.true(html.includes('(your report to &lt;u&gt;force&lt;/u&gt;, received 2 January 2025)'))
  t.true(html.includes('href="/further?report=%22%3E%3Ci%3Eid%3C%2Fi%3E"'))
  const further = renderPage('reporter/further.njk', {
    reporterSession, report: hostile[0], limits, values: { message: '</textarea><i>m</i>' }
  }, live)
  t.false(further.includes('<i>m</i>'))
  t.false(further.includes('<u>force</u>'))
  t.false(further.includes('<i>id</i>'))
})

test('each report shows its force, date, status and replies, with a delete form per reply', (t) => {
  const html = renderPage('reporter/reports.njk', { reporterSession, reports }, live)
  t.regex(html, /<h2 class="govuk-heading-l" id="report-1-heading">Kent Police<\/h2>/)
  t.regex(html, /<h2 class="govuk-heading-l" id="report-2-heading">Metropolitan Police Service<\/h2>/)
  t.true(html.includes('4 March 2025'))
  t.true(html.includes('21 November 2024'))
  for (const state of ['assessing', 'closed']) {
    t.true(html.includes(translate('en', `reports.state.${state}.tag`)), state)
    t.true(html.includes(translate('en', `reports.state.${state}.explanation`)), state)
  }
  t.true(html.includes(translate('en', 'reports.replies.none')))

  const deletes = [...html.matchAll(/<form method="post" action="\/replies\/delete"[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0])
  t.is(deletes.length, 2)
  t.deepEqual(inputNames(deletes[0]!), ['csrf', 'report', 'reply'])
  t.true(deletes[0]!.includes(`name="csrf" value="${csrfInHtml}"`))
  t.true(deletes[0]!.includes('name="report" value="report-2"'))
  t.true(deletes[0]!.includes('name="reply" value="reply-b"'))
  t.true(deletes[1]!.includes('name="reply" value="reply-a"'))
  // The button's accessible name says which reply; the note is tied to it.
  t.regex(deletes[0]!, /govuk-button--warning[^>]*aria-describedby="reply-1-1-note">\s*Delete this reply<span class="govuk-visually-hidden"> sent 10 March 2025, on your report to Kent Police<\/span>/)
  t.regex(deletes[0]!, /id="reply-1-1-note">[^<]+<\/p>/)

  t.true(html.includes('href="/further?report=report-2"'))
  t.true(html.includes('href="/further?report=report-1"'))
  t.regex(html, /<a href="\/report" role="button"[^>]*>\s*Make another report\s*<\/a>/)
  t.true(html.includes(escaped(translate('en', 'session.finish.body'))))
})

test('the reports page shows a success banner for three notices and nothing otherwise', (t) => {
  const notices: Record<string, string> = {
    'further-sent': 'reports.notice.furtherSent',
    'reply-deleted': 'reports.notice.replyDeleted',
    'report-added': 'reports.notice.reportAdded'
  }
  for (const [notice, key] of Object.entries(notices)) {
    const html = renderPage('reporter/reports.njk', { reporterSession, reports, notice }, live)
    t.regex(html, /govuk-notification-banner--success" role="alert"/, notice)
    t.true(html.includes(translate('en', key)), notice)
  }
  for (const notice of ['logged-in', undefined, 'nonsense']) {
    const html = renderPage('reporter/reports.njk', { reporterSession, reports, notice }, live)
    t.false(html.includes('govuk-notification-banner'), String(notice))
  }
})

test('the login form asks for the codename as a password and never echoes it', (t) => {
  const html = renderPage('reporter/login.njk', {
    errors: [{ field: 'codename', key: 'errors.login.codenameInvalid' }],
    values: { codename: 'secret words here' }
  }, live)
  t.regex(html, /<title>Error: /)
  t.true(html.includes('href="#codename"'))
  t.true(html.includes(translate('en', 'errors.login.codenameInvalid')))
  const form = formFor(html, '/login')
  t.regex(form, /<form method="post" action="\/login"[^>]*autocomplete="off" novalidate>/)
  t.notRegex(form, /enctype=/)
  t.deepEqual(inputNames(form), ['codename'])
  const input = /<input[^>]*id="codename"[^>]*>/.exec(form)?.[0] ?? ''
  for (const attribute of ['name="codename"', 'type="password"', 'spellcheck="false"', 'autocomplete="off"', 'autocapitalize="none"']) {
    t.true(input.includes(attribute), attribute)
  }
  t.regex(form, /<label class="govuk-label govuk-label--m" for="codename">\s*Your codename\s*<\/label>/)
  t.false(html.includes('secret words here'))
  t.false(html.includes('govuk-notification-banner'))
  const ended = renderPage('reporter/login.njk', { notice: 'session-ended' }, live)
  t.true(ended.includes(translate('en', 'login.sessionEnded')))
  t.notRegex(ended, /govuk-error-summary|<title>Error/)
})

test('the further form sends the token and report first, and links errors to its fields', (t) => {
  const html = renderPage('reporter/further.njk', {
    reporterSession, report: reports[0], limits, values: { message: 'kept <text>' }, errors: furtherErrors, filesDropped: true
  }, live)
  const form = formFor(html, '/further')
  t.regex(form, /<form method="post" action="\/further" enctype="multipart\/form-data"[^>]*autocomplete="off" novalidate>/)
  t.deepEqual(inputNames(form), ['csrf', 'report', 'message', 'attachments'])
  t.true(form.includes(`<input type="hidden" name="csrf" value="${csrfInHtml}">`))
  t.true(form.includes('<input type="hidden" name="report" value="report-2">'))
  t.regex(form, /<textarea[^>]*id="message"[^>]*name="message"[^>]*spellcheck="false"/)
  t.regex(form, /<input[^>]*id="attachments"[^>]*name="attachments"[^>]*type="file"[^>]*multiple/)
  t.true(form.includes('kept &lt;text&gt;'))
  for (const { field, key, params } of furtherErrors) {
    t.true(html.includes(`href="#${field}"`), field)
    t.true(html.includes(translate('en', key, params)), field)
  }
  t.regex(html, /id="files-dropped"/)
  t.true(html.includes('Your report to Kent Police, received 4 March 2025'))
  const fresh = renderPage('reporter/further.njk', { reporterSession, report: reports[0], limits, filesDropped: true }, live)
  t.notRegex(fresh, /id="files-dropped"|govuk-error-summary|<title>Error/)
})

test('a logged-in report form sends the token first and says no new codename is coming', (t) => {
  const html = renderPage('reporter/report-form.njk', { forces, limits, reporterSession }, live)
  const names = inputNames(formFor(html, '/report'))
  t.is(names[0], 'csrf')
  t.is(names[1], 'force')
  t.regex(html, /id="same-codename"/)
  t.false(html.includes(translate('en', 'report.codenameNotice')))
  const anonymous = renderPage('reporter/report-form.njk', { forces, limits }, live)
  t.is(inputNames(formFor(anonymous, '/report'))[0], 'force')
  t.notRegex(anonymous, /id="same-codename"|name="csrf"/)
  t.true(anonymous.includes(translate('en', 'report.codenameNotice')))
})

test('the report-added and logged-out pages say what to do next', (t) => {
  const added = renderPage('reporter/report-added.njk', { reporterSession, forceName: '<b>Kent</b>', urgent: true }, live)
  t.regex(added, /govuk-panel/)
  t.true(added.includes('&lt;b&gt;Kent&lt;/b&gt;'))
  t.true(added.includes(translate('en', 'common.emergency')))
  t.true(added.includes('href="/reports"'))
  t.false(renderPage('reporter/report-added.njk', { reporterSession, forceName: 'Kent' }, live).includes(translate('en', 'common.emergency')))
  const out = renderPage('reporter/logged-out.njk', {}, live)
  t.regex(out, /<h1[^>]*>You have logged out<\/h1>/)
  t.true(out.includes('New identity'))
  t.true(out.includes('href="/"'))
})

test('dates are spelled out from YYYY-MM-DD, and anything else is refused', (t) => {
  const html = renderPage('reporter/further.njk', {
    reporterSession, report: { id: 'r', forceName: 'F', received: '2025-12-01' }, limits
  }, live)
  t.true(html.includes('received 1 December 2025'))
  t.throws(() => renderPage('reporter/further.njk', {
    reporterSession, report: { id: 'r', forceName: 'F', received: '1 Dec 2025' }, limits
  }, live), { message: /YYYY-MM-DD/ })
})

test('every message the follow-up routes name exists', (t) => {
  const keys = [
    'errors.login.codenameMissing', 'errors.login.codenameInvalid', 'errors.login.notRecognised',
    'errors.further.messageMissing', 'errors.report.tooManyFiles', 'errors.report.filesTooLarge',
    'errors.page.tooManyAttempts.title', 'errors.page.tooManyAttempts.body',
    'errors.page.busy.title', 'errors.page.busy.body',
    'errors.page.forbidden.title', 'errors.page.forbidden.body'
  ]
  for (const key of keys) t.true(hasMessage('en', key), key)
  t.is(translate('en', 'errors.further.messageTooLong', { max: 100_000 }), 'Your information must be 100,000 characters or fewer')
  t.is(translate('en', 'errors.login.notRecognised'), 'Codename not recognised')
})

test('the landing page and the reports page say how long closed reports are kept (issue 14)', (t) => {
  for (const [template, context] of [['reporter/start.njk', {}], ['reporter/reports.njk', { reporterSession, reports }]] as const) {
    const html = renderPage(template, context, { ...live, retainClosedDays: 90 })
    t.regex(html, /<p class="govuk-body" id="retention">When the unit closes a report, it keeps it for 90 days after closing it, then deletes it with all its files and replies\.<\/p>/, template)
    t.regex(renderPage(template, context, live), /keeps it for 365 days/, template)
  }
})
