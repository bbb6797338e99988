import test from 'ava'
import { ReceiptBox } from '../../src/web/codename-receipts.js'
import { SessionStore, csrfMatches } from '../../src/web/sessions.js'
import { startTestService } from '../helpers/service.js'
import { getAs, login } from '../helpers/reporter.js'
import { submitReport } from '../helpers/submit.js'

test('sessions have random ids and tokens, and the number alive is capped, least recently used out first', (t) => {
  const store = new SessionStore<number>({ idleMs: 60_000, max: 3 })
  const [a, b, c] = [store.create(1), store.create(2), store.create(3)]
  t.regex(a.id, /^[A-Za-z0-9_-]{43}$/)
  t.not(a.id, a.csrf)
  t.not(a.id, b.id)
  t.is(store.get(a.id)?.data, 1)
  store.create(4)
  t.is(store.size, 3)
  t.is(store.get(b.id), undefined, 'the least recently used went first')
  t.is(store.get(a.id)?.data, 1)
  t.is(store.get(c.id)?.data, 3)
  store.end(a.id)
  t.is(store.get(a.id), undefined)
  t.is(store.get(undefined), undefined)
})

test('an idle session ends', async (t) => {
  const store = new SessionStore<string>({ idleMs: 20, max: 10 })
  const session = store.create('x')
  await new Promise((resolve) => setTimeout(resolve, 60))
  t.is(store.get(session.id), undefined)
})

test('CSRF tokens compare exactly', (t) => {
  const session = { csrf: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' }
  t.true(csrfMatches(session, session.csrf))
  t.false(csrfMatches(session, undefined))
  t.false(csrfMatches(session, ''))
  t.false(csrfMatches(session, session.csrf.slice(0, -1) + 'H'))
  t.false(csrfMatches(session, session.csrf + 'x'))
})

test('a receipt is shown once', (t) => {
  const box = new ReceiptBox()
  const handle = box.put({ codename: 'a b c d e f g', forceName: 'Kent Police', urgent: false })
  t.is(box.take(handle)?.codename, 'a b c d e f g')
  t.is(box.take(handle), undefined)
})

test('sessions end when the server restarts', async (t) => {
  const first = await startTestService()
  t.teardown(() => first.dispose())
  const codename = await submitReport(first.url, { force: 'met', category: 'other', message: 'x', anonymity: 'anonymous' })
  const visit = await login(first.url, codename)
  await first.close()
  const second = await startTestService({ DATA_DIR: first.dataDir, KEYS_DIR: first.keysDir })
  t.teardown(() => second.close())
  const again = await getAs(second.url, visit, '/reports')
  t.is(again.status, 303)
  t.is(again.headers.get('location'), '/login?session=ended')
  t.is((await getAs(second.url, await login(second.url, codename), '/reports')).status, 200, 'the codename still works after a restart')
})

test('a session with a lifetime ends that long after it began, however often it is used (issue 9)', (t) => {
  let now = 0
  const store = new SessionStore<string>({ idleMs: 100, lifetimeMs: 1000, max: 10, now: () => now })
  const session = store.create('reviewer')
  for (now = 90; now < 1000; now += 90) t.is(store.get(session.id), session, `at ${now}`)
  now = 1000
  t.is(store.get(session.id), undefined)
  t.is(store.get(session.id), undefined, 'and stays ended')
})
