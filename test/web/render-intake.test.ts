/**
 * The phone line's pages (issue 11) rendered with representative contexts:
 * no script, every form carrying the handler's token, the call handler's
 * header (no inbox link, logout at /intake/logout), the intake form's field
 * names and errors tied to their fields, the codename page's script, and the
 * triage choice unavailable when the triage unit has no key.
 */
import test from 'ava'
import { renderPage } from '../../src/web/render.js'
import { translate } from '../../src/web/i18n.js'

const live = { demoMode: false }
const say = (key: string, params?: Record<string, string | number>): string => translate('en', key, params).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
const csrf = 'token-<&">'
const csrfInHtml = 'token-&lt;&amp;&quot;&gt;'
const reviewerSession = { csrf, username: 'handler-one', forceName: null, admin: false, callHandler: true }
const limits = { maxMessageChars: 100_000, maxContactChars: 2000, maxFiles: 10, maxTotalMiB: 500 }
const forces = [
  { id: 'kent', name: 'Kent Police', available: true },
  { id: 'met', name: 'Metropolitan Police Service', available: false },
  { id: 'triage', name: 'Triage unit (force not known)', available: false },
]
const report = { id: 'a1'.repeat(12), forceName: 'Kent Police', received: '2025-03-04', state: 'assessing', replies: [{ id: 'b2'.repeat(8), date: '2025-03-05', text: 'Please <call> us' }] }

function pages (): Array<[string, string]> {
  return [
    ['home', renderPage('intake/home.njk', { reviewerSession, notice: 'call-ended' }, live)],
    ['form', renderPage('intake/report-form.njk', { reviewerSession, forces, limits, values: {}, errors: [] }, live)],
    ['form errors', renderPage('intake/report-form.njk', {
      reviewerSession, forces, limits, values: { message: 'kept <words>' },
      errors: [{ field: 'force', key: 'errors.report.forceMissing' }, { field: 'contact', key: 'errors.report.contactMissing' }],
    }, live)],
    ['form busy', renderPage('intake/report-form.njk', { reviewerSession, forces, limits, values: { message: 'kept <words>', force: 'kent' }, errors: [], busy: true }, live)],
    ['codename', renderPage('intake/codename.njk', { reviewerSession, codename: 'alpha bravo charlie', forceName: 'Kent Police', urgent: true, triage: false }, live)],
    ['codename triage', renderPage('intake/codename.njk', { reviewerSession, codename: 'alpha bravo charlie', forceName: 'x', urgent: false, triage: true }, live)],
    ['caller', renderPage('intake/caller-login.njk', { reviewerSession, errors: [{ field: 'codename', key: 'errors.intake.notRecognised' }], notice: 'call-ended' }, live)],
    ['reports', renderPage('intake/caller-reports.njk', { reviewerSession, reports: [report], notice: 'further-sent' }, live)],
    ['further', renderPage('intake/caller-further.njk', { reviewerSession, report, limits, values: { message: 'typed' }, errors: [{ field: 'message', key: 'errors.intake.furtherMissing' }] }, live)],
  ]
}

test('every phone line page: no script, the handler\'s header, the token in every form', (t) => {
  for (const [name, html] of pages()) {
    t.notRegex(html, /<script/i, name)
    t.notRegex(html, /\son[a-z]+\s*=/i, name)
    t.true(html.includes(say('intake.layout.signedIn', { username: 'handler-one' })), name)
    t.false(html.includes('href="/review/"'), `${name}: no inbox link`)
    t.true(html.includes('action="/intake/logout"'), name)
    const forms = html.split('<form').slice(1)
    t.true(forms.length > 0, name)
    for (const form of forms) t.true(form.includes(`name="csrf" value="${csrfInHtml}"`), `${name}: token in every form`)
  }
})

test('the intake form: online field names, handler wording, errors tied to fields, triage unavailable without a key', (t) => {
  const html = pages().find(([name]) => name === 'form errors')![1]
  t.true(html.includes(say('intake.report.force.label')))
  t.true(html.includes(say('intake.report.noAttachments')))
  t.false(html.includes('type="file"'))
  t.regex(html, /<option value="triage" disabled>I do not know which force \(currently unavailable\)<\/option>/)
  t.true(html.includes('href="#force"'))
  t.true(html.includes('href="#contact"'))
  t.true(html.includes('kept &lt;words&gt;'))
  t.regex(html, /<form method="post" action="\/intake\/report" enctype="multipart\/form-data"[^>]*>\s*<input type="hidden" name="csrf"/)
})

test('the intake form when the service was busy: the notice, every answer kept, no field marked wrong', (t) => {
  const html = pages().find(([name]) => name === 'form busy')![1]
  t.regex(html, /<div class="govuk-error-summary"[^>]*id="busy"/)
  t.true(html.includes(say('intake.report.busy.title')))
  t.true(html.includes(say('intake.report.busy.body')))
  t.true(html.includes('kept &lt;words&gt;'))
  t.true(html.includes('<option value="kent" selected>'))
  t.false(html.includes('govuk-error-message'))
  t.false(pages().find(([name]) => name === 'form')![1].includes('id="busy"'))
})

test('the codename page reads the codename once, with the script and the warning', (t) => {
  const [, html] = pages().find(([name]) => name === 'codename')!
  t.regex(html, /<p class="candour-codename" id="codename" translate="no">alpha bravo charlie<\/p>/)
  for (const key of ['slowly', 'readBack', 'keep']) t.true(html.includes(say(`intake.codename.script.${key}`)), key)
  t.true(html.includes(say('intake.codename.mustNot')))
  t.true(html.includes(say('intake.report.atRisk.yesHint')))
  t.true(pages().find(([name]) => name === 'codename triage')![1].includes(say('intake.codename.panelBodyTriage')))
})

test('the caller\'s view escapes replies and offers deletion and further information for each report', (t) => {
  const [, html] = pages().find(([name]) => name === 'reports')!
  t.true(html.includes('Please &lt;call&gt; us'))
  t.true(html.includes('action="/intake/caller/replies/delete"'))
  t.true(html.includes(`href="/intake/caller/further?report=${report.id}"`))
  t.true(html.includes('action="/intake/caller/end"'))
})
