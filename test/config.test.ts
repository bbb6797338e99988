import test from 'ava'
import { loadConfig } from '../src/config.js'

test('defaults: loopback, 8080, ./data, ./keys, production mode', (t) => {
  const config = loadConfig({}, '/srv/candour')
  t.is(config.host, '127.0.0.1')
  t.is(config.port, 8080)
  t.is(config.reviewHost, '127.0.0.1')
  t.is(config.reviewPort, 8081)
  t.is(config.dataDir, '/srv/candour/data')
  t.is(config.keysDir, '/srv/candour/keys')
  t.true(config.production)
  t.false(config.demo)
  t.true(config.cookieSecure)
  t.is(config.maxSubmissionBytes, 500 * 1024 * 1024)
  t.is(config.maxFiles, 10)
  t.is(config.scryptCost, 2 ** 15)
  t.is(config.codenameReserve, 500)
  t.is(loadConfig({ CANDOUR_CODENAME_RESERVE: '0' }).codenameReserve, 0)
  t.is(config.exitUrl, 'https://www.bbc.co.uk/weather')
  t.is(loadConfig({ CANDOUR_EXIT_URL: 'https://www.example.org/recipes' }).exitUrl, 'https://www.example.org/recipes')
  t.true(Object.isFrozen(config))
})

test('demo mode only when CANDOUR_DEMO=1; NODE_ENV no longer decides', (t) => {
  const demo = loadConfig({ CANDOUR_DEMO: '1' }, '/srv')
  t.true(demo.demo)
  t.false(demo.production)
  t.false(demo.cookieSecure)
  for (const env of [{ NODE_ENV: 'development' }, { NODE_ENV: 'test' }, { NODE_ENV: 'production' }, { CANDOUR_DEMO: '0' }, { CANDOUR_DEMO: '' }]) {
    const config = loadConfig(env, '/srv')
    t.true(config.production, JSON.stringify(env))
    t.false(config.demo, JSON.stringify(env))
  }
})

test('a bad setting stops start-up, naming the setting but never its value', (t) => {
  for (const [name, value] of [['PORT', 'eighty'], ['PORT', '70000'], ['CANDOUR_MAX_FILES', '-1'], ['CANDOUR_SCRYPT_COST', '1000'], ['HOST', 'a b'], ['REVIEW_HOST', 'a/b'], ['REVIEW_PORT', '65536'], ['REVIEW_PORT', '8080'], ['CANDOUR_COOKIE_SECURE', 'yes'], ['CANDOUR_CODENAME_RESERVE', '100001'], ['CANDOUR_CODENAME_RESERVE', 'many'], ['CANDOUR_EXIT_URL', 'javascript:alert(1)'], ['CANDOUR_EXIT_URL', '/relative'], ['CANDOUR_EXIT_URL', 'https://user:secret@example.org/']] as const) {
    const err = t.throws(() => loadConfig({ [name]: value }), { any: true }) as { code?: string; message: string }
    t.is(err.code, 'CONFIG_INVALID')
    t.true(err.message.includes(name))
    t.false(err.message.includes(value), `${name} value leaked`)
  }
  t.is((t.throws(() => loadConfig({ CANDOUR_SCRYPT_COST: '1024' })) as { code?: string }).code, 'CONFIG_INVALID')
  t.is(loadConfig({ CANDOUR_DEMO: '1', CANDOUR_SCRYPT_COST: '1024' }).scryptCost, 1024)
})

test('CANDOUR_RETAIN_CLOSED_DAYS: 365 by default, a whole number of days from 1, named when invalid', (t) => {
  t.is(loadConfig({}).retainClosedDays, 365)
  t.is(loadConfig({ CANDOUR_RETAIN_CLOSED_DAYS: '30' }).retainClosedDays, 30)
  for (const bad of ['0', '-1', '1.5', 'a year']) {
    const err = t.throws(() => loadConfig({ CANDOUR_RETAIN_CLOSED_DAYS: bad }), { code: 'CONFIG_INVALID' })
    t.regex(err!.message, /CANDOUR_RETAIN_CLOSED_DAYS/)
  }
})
