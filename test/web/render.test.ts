import test from 'ava'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, relative } from 'node:path'
import { dropIndentation, renderPage, type FieldError } from '../../src/web/render.js'
import { hasMessage, translate } from '../../src/web/i18n.js'
import { cssProblems, STYLESHEETS } from '../../scripts/build-css.js'
import { assetPath } from '../../src/web/static-files.js'
import { builtStylesheet } from '../helpers/static-files.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const templatesDir = join(root, 'templates')

const forces = [
  { id: 'kent', name: 'Kent Police', available: true },
  { id: 'met', name: 'Metropolitan Police Service', available: false }
]
const limits = { maxFiles: 10, maxTotalMiB: 500 }

// One error per field of the form contract, each with a real catalogue key.
const contractErrors: FieldError[] = [
  { field: 'force', key: 'errors.report.forceMissing' },
  { field: 'category', key: 'errors.report.categoryMissing' },
  { field: 'message', key: 'errors.report.messageTooLong', params: { max: 100_000 } },
  { field: 'attachments', key: 'errors.report.tooManyFiles', params: { max: 10 } },
  { field: 'role', key: 'errors.report.roleInvalid' },
  { field: 'duty', key: 'errors.report.dutyInvalid' },
  { field: 'setting', key: 'errors.report.settingInvalid' },
  { field: 'when-month', key: 'errors.report.whenMonthInvalid' },
  { field: 'when-year', key: 'errors.report.whenYearInvalid' },
  { field: 'at-risk', key: 'errors.report.atRiskInvalid' },
  { field: 'anonymity', key: 'errors.report.anonymityMissing' },
  { field: 'contact', key: 'errors.report.contactTooLong', params: { max: 2000 } }
]

const errorPages = ['badRequest', 'crossSite', 'notFound', 'methodNotAllowed', 'tooLarge', 'serverError', 'unavailable', 'receiptGone',
  'tooManyAttempts', 'busy', 'forbidden']

function templateFiles (dir: string = templatesDir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return templateFiles(path)
    return name.endsWith('.njk') ? [path] : []
  })
}

function everyPage (): Array<[string, string]> {
  const pages: Array<[string, string]> = []
  for (const demoMode of [false, true]) {
    pages.push([`start demo=${demoMode}`, renderPage('reporter/start.njk', {}, { demoMode })])
    pages.push([`form demo=${demoMode}`, renderPage('reporter/report-form.njk', { forces, limits }, { demoMode })])
    pages.push([`form errors demo=${demoMode}`, renderPage('reporter/report-form.njk',
      { forces, limits, errors: contractErrors, filesDropped: true, values: {} }, { demoMode })])
    for (const urgent of [false, true]) {
      pages.push([`codename urgent=${urgent}`, renderPage('reporter/codename.njk',
        { codename: 'alpha bravo charlie', forceName: 'Kent Police', urgent }, { demoMode })])
    }
    for (const name of errorPages) {
      pages.push([`error ${name}`, renderPage('errors/error.njk', {
        status: 500, titleKey: `errors.page.${name}.title`, bodyKey: `errors.page.${name}.body`, bodyParams: limits
      }, { demoMode })])
    }
  }
  return pages
}

test('every template renders, with no script, event handler or javascript: URL', (t) => {
  for (const [name, html] of everyPage()) {
    t.true(html.startsWith('<!DOCTYPE html>'), name)
    t.notRegex(html, /<script/i, name)
    t.notRegex(html, /\son[a-z]+\s*=/i, name)
    t.notRegex(html, /javascript:/i, name)
    // One stylesheet, under its hashed name: the workspace's for workspace pages, the reporter's for the rest.
    const sheet = name.startsWith('reviewer/') ? 'workspace.css' : 'reporter.css'
    t.true(html.includes(`<link rel="stylesheet" href="${assetPath(sheet)}">`), name)
  }
})

test('no template opts out of escaping or holds a script', (t) => {
  const files = templateFiles()
  t.true(files.length >= 5)
  for (const file of files) {
    const source = readFileSync(file, 'utf8')
    t.notRegex(source, /\|\s*safe\b/, relative(root, file))
    t.notRegex(source, /<script/i, relative(root, file))
  }
})

test('every literal t() key in the templates is in the catalogue', (t) => {
  let seen = 0
  for (const file of templateFiles()) {
    const source = readFileSync(file, 'utf8')
    // Only whole literal keys: `t('a.' + x)` builds its key at render time and is covered by rendering.
    for (const match of source.matchAll(/\bt\(\s*(['"])([^'"]+)\1\s*[,)]/g)) {
      seen++
      t.true(hasMessage('en', match[2]!), `${relative(root, file)}: ${match[2]}`)
    }
  }
  t.true(seen > 50)
})

test('the catalogue has no empty messages', (t) => {
  const catalogue: unknown = JSON.parse(readFileSync(join(root, 'src/web/i18n/en.json'), 'utf8'))
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      t.not(node.trim(), '', path)
    } else {
      t.true(node !== null && typeof node === 'object' && !Array.isArray(node), path)
      for (const [key, value] of Object.entries(node as object)) walk(value, `${path}.${key}`)
    }
  }
  walk(catalogue, 'en')
})

test('translate throws on an unknown key or a missing parameter, and fills placeholders', (t) => {
  t.throws(() => translate('en', 'report.nope'), { instanceOf: TypeError })
  t.throws(() => translate('en', 'report'), { instanceOf: TypeError })
  t.throws(() => translate('en', 'errors.report.messageTooLong'), { instanceOf: TypeError })
  t.is(translate('en', 'errors.report.messageTooLong', { max: 100_000 }), 'What happened must be 100,000 characters or fewer')
  t.false(hasMessage('en', 'report.nope'))
})

test('every form error and error page the routes need has a message', (t) => {
  const formKeys = ['forceMissing', 'forceUnknown', 'forceUnavailable', 'categoryMissing', 'categoryUnknown',
    'messageMissing', 'messageTooLong', 'tooManyFiles', 'filesTooLarge', 'anonymityMissing', 'contactMissing',
    'contactTooLong', 'roleInvalid', 'dutyInvalid', 'settingInvalid', 'atRiskInvalid', 'whenMonthInvalid',
    'whenYearInvalid', 'whenFuture']
  for (const key of formKeys) t.true(hasMessage('en', `errors.report.${key}`), key)
  for (const name of errorPages) {
    t.true(hasMessage('en', `errors.page.${name}.title`), name)
    t.true(hasMessage('en', `errors.page.${name}.body`), name)
  }
})

test('user text is escaped', (t) => {
  const html = renderPage('reporter/report-form.njk', {
    forces, limits, values: { message: '<img src=x>', contact: '"><b>hi</b>' }
  }, { demoMode: false })
  t.false(html.includes('<img src=x>'))
  t.true(html.includes('&lt;img src=x&gt;'))
  t.false(html.includes('<b>hi</b>'))
  const codename = renderPage('reporter/codename.njk', { codename: '<i>x</i>', forceName: '<u>f</u>' }, { demoMode: false })
  t.false(codename.includes('<i>x</i>'))
  t.false(codename.includes('<u>f</u>'))
})

test('each error summary link points at the control for that field', (t) => {
  const html = renderPage('reporter/report-form.njk', { forces, limits, errors: contractErrors }, { demoMode: false })
  t.regex(html, /<title>Error: /)
  t.regex(html, /govuk-error-summary/)
  for (const { field, key, params } of contractErrors) {
    t.true(html.includes(`href="#${field}"`), field)
    t.true(html.includes(`id="${field}"`), field)
    t.true(html.includes(translate('en', key, params)), field)
  }
  t.regex(html, /<input[^>]*id="when-month"[^>]*name="when-month"/)
  t.regex(html, /<input[^>]*id="when-year"[^>]*name="when-year"/)
  t.regex(html, /<input[^>]*id="attachments"[^>]*name="attachments"[^>]*multiple/)
})

test('the form keeps answers, marks unavailable forces and asks again for dropped files', (t) => {
  const values = { force: 'kent', category: 'discrimination', role: 'staff', 'at-risk': 'yes', anonymity: 'contact', 'when-year': '2024' }
  const errors = [{ field: 'message', key: 'errors.report.messageMissing' }]
  const html = renderPage('reporter/report-form.njk', { forces, limits, values, errors, filesDropped: true }, { demoMode: false })
  t.regex(html, /<option value="kent"\s+selected>Kent Police<\/option>/)
  t.regex(html, /<option value="met"\s+disabled>Metropolitan Police Service \(currently unavailable\)<\/option>/)
  for (const [name, value] of Object.entries(values)) {
    if (name === 'force' || name === 'when-year') continue
    t.regex(html, new RegExp(`name="${name}" type="radio" value="${value}"\\s+checked`), name)
  }
  t.regex(html, /name="when-year"[^>]*value="2024"/)
  t.regex(html, /id="files-dropped"/)
  t.regex(html, /<form method="post" action="\/report" enctype="multipart\/form-data"[^>]*novalidate>/)
  const fresh = renderPage('reporter/report-form.njk', { forces, limits, filesDropped: true }, { demoMode: false })
  t.notRegex(fresh, /id="files-dropped"|govuk-error-summary|<title>Error/)
})

test('the layout has a language, a skip link, and the demo banner only in demo mode', (t) => {
  const live = renderPage('reporter/start.njk', {}, { demoMode: false })
  const demo = renderPage('reporter/start.njk', {}, { demoMode: true })
  for (const html of [live, demo]) {
    t.regex(html, /<html lang="en" class="govuk-template">/)
    t.regex(html, /class="govuk-skip-link"/)
    t.regex(html, /href="#main-content"/)
    t.regex(html, /<main class="govuk-main-wrapper" id="main-content">/)
    t.regex(html, /<meta name="referrer" content="same-origin">/)
    t.regex(html, /href="\/report"/)
    t.regex(html, /href="\/login"/)
  }
  t.notRegex(live, /id="demo-banner"|DEMO/)
  t.regex(demo, /id="demo-banner"/)
  t.true(demo.includes(translate('en', 'layout.demo.body')))
})

test('the compiled stylesheets load no font, image or other URL', (t) => {
  for (const name of STYLESHEETS) {
    const css = builtStylesheet(name)
    t.deepEqual(cssProblems(css), [], name)
    t.notRegex(css, /@font-face/i, name)
    t.notRegex(css, /url\(\s*['"]?https?:/i, name)
    t.notRegex(css, /GDS Transport/i, name)
    t.regex(css, /\.candour-header/, name)
    t.regex(css, /\.govuk-error-summary/, name)
  }
  // Each audience gets only its own components: the workspace's pagination stays out of the reporter's bytes;
  // tables are in both, for the public statistics (issue 12).
  t.notRegex(builtStylesheet('reporter.css'), /\.govuk-pagination/)
  t.regex(builtStylesheet('workspace.css'), /\.govuk-pagination/)
  t.regex(builtStylesheet('reporter.css'), /\.govuk-table/)
  t.regex(builtStylesheet('reporter.css'), /\.candour-bar--w100/)
  t.regex(builtStylesheet('reporter.css'), /\.govuk-exit-this-page/)
})

test('dropping indentation keeps form values, preformatted text and pre-wrap replies as written', (t) => {
  const kept = '<textarea id="m">\n  two spaces\n\n\tand a tab</textarea><pre>\n   x</pre><p class="govuk-body candour-reply__text">a\n    b</p>'
  t.is(dropIndentation(`<div>\n    <p>\n      text\n    </p>\n  ${kept}\n  </div>`), `<div>\n<p>\ntext\n</p>\n${kept}\n</div>`)
  // Every class our stylesheet keeps whitespace in must be spared: the list in render.ts is complete.
  const scss = readFileSync(join(templatesDir, 'static/_candour.scss'), 'utf8')
  const preClasses = [...scss.matchAll(/\.([a-z_-]+)\s*\{[^}]*white-space:\s*pre/g)].map((m) => m[1]!)
  t.deepEqual(preClasses, ['candour-reply__text'])
})
