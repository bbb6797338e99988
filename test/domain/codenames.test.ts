import test from 'ava'
import { CODENAME_WORDS, WORDLIST, deriveReplyPassphrase, deriveReporterId, generateCodename, normalizeCodename } from '../../src/domain/codenames.js'

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

test('the two derivations are independent, stable, and forgive case and spacing', async (t) => {
  const codename = generateCodename()
  const id = await deriveReporterId(codename, peppers, 1024)
  const pass = await deriveReplyPassphrase(codename, peppers, 1024)
  t.regex(id, /^[0-9a-f]{64}$/)
  t.not(id, Buffer.from(pass, 'base64').toString('hex'))
  t.is(await deriveReporterId(`  ${codename.toUpperCase()} `, peppers, 1024), id)
  t.not(await deriveReporterId(codename, { ...peppers, reporterId: Buffer.alloc(32, 3) }, 1024), id)
  t.not(await deriveReporterId(generateCodename(), peppers, 1024), id)
})
