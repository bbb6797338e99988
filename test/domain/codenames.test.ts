import test from 'ava'
import { hkdfSync, scryptSync } from 'node:crypto'
import { CODENAME_WORDS, WORDLIST, deriveReporterKeys, generateCodename, normalizeCodename } from '../../src/domain/codenames.js'

const peppers = { reporterId: Buffer.alloc(32, 1), replyKey: Buffer.alloc(32, 2) }

test('the wordlist is the EFF large list: 7,776 distinct lowercase words', (t) => {
  t.is(WORDLIST.length, 7776)
  t.is(new Set(WORDLIST).size, 7776)
  t.is(WORDLIST[0], 'abacus')
  t.is(WORDLIST[7775], 'zoom')
})

test('a codename is seven words from the list, drawn afresh each time', (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 200; i++) {
    const codename = generateCodename()
    const words = codename.split(' ')
    t.is(words.length, CODENAME_WORDS)
    t.true(words.every((w) => WORDLIST.includes(w)))
    seen.add(codename)
  }
  t.is(seen.size, 200)
})

test('white space and letter case are forgiven', (t) => {
  t.is(normalizeCodename('  Abacus\tABDOMEN \n zoom  '), 'abacus abdomen zoom')
})

test('one derivation gives two independent keys, stable, forgiving case and spacing, and bound to each pepper', async (t) => {
  const codename = generateCodename()
  const keys = await deriveReporterKeys(codename, peppers, 1024)
  t.regex(keys.reporterId, /^[0-9a-f]{64}$/)
  t.is(Buffer.from(keys.replyPassphrase, 'base64').length, 32)
  t.not(keys.reporterId, Buffer.from(keys.replyPassphrase, 'base64').toString('hex'))
  t.deepEqual(await deriveReporterKeys(`  ${codename.toUpperCase()} `, peppers, 1024), keys)
  const otherId = await deriveReporterKeys(codename, { ...peppers, reporterId: Buffer.alloc(32, 3) }, 1024)
  t.not(otherId.reporterId, keys.reporterId)
  t.not(otherId.replyPassphrase, keys.replyPassphrase)
  const otherReply = await deriveReporterKeys(codename, { ...peppers, replyKey: Buffer.alloc(32, 4) }, 1024)
  t.not(otherReply.replyPassphrase, keys.replyPassphrase)
  t.not(otherReply.reporterId, keys.reporterId, 'both peppers go into the one derivation')
  t.not((await deriveReporterKeys(generateCodename(), peppers, 1024)).reporterId, keys.reporterId)
  // The cost is a real scrypt parameter: another N gives other keys.
  t.not((await deriveReporterKeys(codename, peppers, 2048)).reporterId, keys.reporterId)
})

test('the derivation is scrypt (N, r = 8, p = 1) over the normalised codename, then HKDF-SHA-256 per pepper and label', async (t) => {
  // Pinned: a change here would lock every reporter out of their reports.
  const codename = 'Abacus  abdomen abdominal abide abiding ability ablaze'
  const salt = Buffer.concat([Buffer.from('candour/reporter/v2\0'), peppers.reporterId, peppers.replyKey])
  const secret = scryptSync('abacus abdomen abdominal abide abiding ability ablaze', salt, 32, { N: 1024, r: 8, p: 1 })
  const keys = await deriveReporterKeys(codename, peppers, 1024)
  t.is(keys.reporterId, Buffer.from(hkdfSync('sha256', secret, peppers.reporterId, 'candour/reporter-id/v2', 32)).toString('hex'))
  t.is(keys.replyPassphrase, Buffer.from(hkdfSync('sha256', secret, peppers.replyKey, 'candour/reply-key/v2', 32)).toString('base64'))
})
