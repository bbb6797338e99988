/**
 * The workspace's inbox, report, deletion and error pages rendered with
 * representative contexts: no script, every form carrying the token (the
 * transfer form's token before its file, as the server judges the file by
 * what came before it), an administrator's page without any form, and every
 * message from the catalogue.
 */
import test from 'ava'
import { renderPage } from '../../src/web/render.js'
import { translate } from '../../src/web/i18n.js'

const live = { demoMode: false }
// A catalogue message as nunjucks escapes it in a page.
const say = (key: string, params?: Record<string, string | number>): string => translate('en', key, params).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
const csrf = 'token-<&">'
const csrfInHtml = 'token-&lt;&amp;&quot;&gt;'
const reviewerSession = { csrf, username: 'kent-one', forceName: 'Kent Police', admin: false }
const adminSession = { csrf, username: 'admin-one', forceName: null, admin: true }
const id = 'a1'.repeat(12)

const report = {
  id,
  forceName: 'Kent Police',
  category: 'bribery',
  channel: 'online',
  urgent: true,
  status: 'assessing',
  received: '2025-03-04',
  transferredFrom: 'Essex Police',
  transferred: '2025-03-06',
  reporterState: 'assessing',
  items: [
    { file: '01-report.gpg', kind: 'report', size: 900, received: '2025-03-04', followUp: false, isNew: false },
    { file: '02-attachment.gpg', kind: 'attachment', size: 3_500_000, received: '2025-03-04', followUp: false, isNew: false },
    { file: '03-further-information.gpg', kind: 'further-information', size: 2048, received: '2025-03-05', followUp: true, isNew: true },
  ],
  replies: [{ file: '04-reply.gpg', date: '2025-03-05', size: 700, read: '2025-03-06', deleted: null }],
}
const reportContext = {
  report,
  reader: true,
  news: { report: false, furtherInformation: true, replyRead: true, replyDeleted: false },
  nextStatuses: ['closed'],
  outcomes: ['investigation', 'safeguarding', 'intelligence', 'passed-to-another-force', 'no-further-action'],
  transferForces: [{ id: 'met', name: 'Metropolitan Police Service' }],
  errors: [],
  values: {},
}
const inboxContext = {
  admin: false,
  force: { id: 'kent', name: 'Kent Police' },
  forces: [],
  rows: [
    { id, category: 'bribery', channel: 'online', urgent: true, priority: true, status: 'new', received: '2025-03-04', items: 1, replies: 0, news: { report: true, furtherInformation: false, replyRead: false, replyDeleted: false } },
    { id: 'b2'.repeat(12), category: 'other', channel: 'online', urgent: false, priority: false, status: 'closed', outcome: 'intelligence', received: '2025-03-01', transferredFrom: 'essex', transferredFromName: 'Essex Police', items: 2, replies: 1, news: { report: false, furtherInformation: true, replyRead: true, replyDeleted: true } },
  ],
  filters: { status: 'new', category: '' },
  filtered: true,
  statuses: ['new', 'assessing', 'closed'],
  categories: ['bribery', 'other'],
  nextHref: '/review/?status=new&after=0!2025-03-01!' + 'b2'.repeat(12),
}

function forms (html: string): Array<{ action: string; body: string }> {
  return [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({ action: m[1]!, body: m[0] }))
}

function fieldNames (form: string): string[] {
  return [...form.matchAll(/<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"/g)].map((m) => m[1]!)
}

const pages: Array<[string, string, Record<string, unknown>]> = [
  ['inbox', 'reviewer/inbox.njk', { reviewerSession, ...inboxContext, notice: 'transferred' }],
  ['inbox empty', 'reviewer/inbox.njk', { reviewerSession, ...inboxContext, rows: [], filtered: false, nextHref: undefined }],
  ['inbox admin', 'reviewer/inbox.njk', { reviewerSession: adminSession, ...inboxContext, admin: true, force: undefined, rows: [], forces: [{ id: 'kent', name: 'Kent Police' }] }],
  ['report', 'reviewer/report.njk', { reviewerSession, ...reportContext, notice: 'reply-sent' }],
  ['report new', 'reviewer/report.njk', { reviewerSession, ...reportContext, report: { ...report, status: 'new', transferredFrom: undefined }, nextStatuses: ['assessing'] }],
  ['report errors', 'reviewer/report.njk', {
    reviewerSession, ...reportContext, values: { reply: '</textarea><i>x</i>', to: 'met' },
    errors: [{ field: 'reply', key: 'review.report.errors.replyTooLong', params: { max: 20000 } }, { field: 'bundle', key: 'review.transfer.errors.wrongRecipients' }, { field: 'outcome', key: 'review.report.errors.outcomeMissing' }],
  }],
  ['report admin', 'reviewer/report.njk', { reviewerSession: adminSession, ...reportContext, reader: false, news: undefined }],
  ['delete confirm', 'reviewer/delete-confirm.njk', { reviewerSession, report: { id, received: '2025-03-04', category: 'bribery', items: 3, replies: 1 } }],
  ['error signed in', 'reviewer/error.njk', { reviewerSession, status: 404, titleKey: 'errors.page.notFound.title', bodyKey: 'errors.page.notFound.body' }],
  ['error anonymous', 'reviewer/error.njk', { status: 400, titleKey: 'errors.page.badRequest.title', bodyKey: 'errors.page.badRequest.body' }],
]

test('every workspace page of this part renders without script, and every form carries the token', (t) => {
  for (const [name, template, context] of pages) {
    const html = renderPage(template, context, live)
    t.notRegex(html, /<script|\son[a-z]+\s*=|javascript:/i, name)
    for (const form of forms(html)) {
      if (form.action === '/review/' || form.body.includes('method="get"')) continue
      t.true(form.body.includes(`<input type="hidden" name="csrf" value="${csrfInHtml}">`), `${name}: ${form.action}`)
    }
  }
})

test('the report page\'s forms post the fields the routes read, the transfer token before its file', (t) => {
  const html = renderPage('reviewer/report.njk', { reviewerSession, ...reportContext }, live)
  const byAction = new Map(forms(html).map((f) => [f.action, f.body]))
  t.deepEqual(fieldNames(byAction.get(`/review/report/${id}/reply`)!), ['csrf', 'reply'])
  t.deepEqual(fieldNames(byAction.get(`/review/report/${id}/status`)!), ['csrf', 'status', 'outcome', 'outcome', 'outcome', 'outcome', 'outcome'])
  const transfer = byAction.get(`/review/report/${id}/transfer`)!
  t.regex(transfer, /enctype="multipart\/form-data"/)
  t.deepEqual(fieldNames(transfer), ['csrf', 'to', 'bundle'])
  t.true(html.includes(`href="/review/report/${id}/bundle.zip"`))
  t.true(html.includes(`href="/review/report/${id}/delete"`))
  // Sizes, flags and what the reporter sees.
  for (const text of ['900 bytes', '2 KiB', '3.3 MiB', say('review.report.items.new'), say('review.news.replyRead'), say('reports.state.assessing.tag')]) t.true(html.includes(text), text)
  t.true(html.includes(say('review.report.meta.transferredFromValue', { force: 'Essex Police', date: '6 March 2025' })))

  const confirm = renderPage('reviewer/delete-confirm.njk', { reviewerSession, report: { id, received: '2025-03-04', category: 'bribery', items: 3, replies: 1 } }, live)
  t.deepEqual(fieldNames(forms(confirm).find((f) => f.action.endsWith('/delete'))!.body), ['csrf', 'confirm'])
})

test('a reply sent back with an error is escaped, and each error is on its field', (t) => {
  const html = renderPage('reviewer/report.njk', pages[5]![2], live)
  t.false(html.includes('<i>x</i>'))
  t.true(html.includes('&lt;/textarea&gt;&lt;i&gt;x&lt;/i&gt;'))
  t.regex(html, /govuk-error-summary/)
  for (const field of ['reply', 'bundle', 'outcome']) t.regex(html, new RegExp(`href="#${field}"`))
  t.regex(html, /<option value="met" selected>/)
})

test('an administrator\'s report page has the metadata and no form but logging out, and no download', (t) => {
  const html = renderPage('reviewer/report.njk', { reviewerSession: adminSession, ...reportContext, reader: false, news: undefined }, live)
  t.deepEqual(forms(html).map((f) => f.action), ['/review/logout'])
  t.false(html.includes('bundle.zip'))
  t.true(html.includes(id))
  t.true(html.includes(say('review.report.adminOnly')))
})

test('the inbox shows each row\'s flags and links, and keeps the filters in the pagination', (t) => {
  const html = renderPage('reviewer/inbox.njk', { reviewerSession, ...inboxContext }, live)
  t.true(html.includes(`href="/review/report/${id}"`))
  for (const flag of ['urgent', 'new-report', 'transferred', 'further-information', 'reply-read', 'reply-deleted']) t.true(html.includes(`data-flag="${flag}"`), flag)
  t.true(html.includes(say('review.outcome.intelligence')))
  t.true(html.includes(`href="/review/?status=new&amp;after=0!2025-03-01!${'b2'.repeat(12)}"`))
  t.regex(html, /<option value="new" selected>/)
})
