import test from 'ava'
import { checkAnswers, type RawAnswers } from '../../src/domain/report-answers.js'
import { sanitizeFilename } from '../../src/domain/filenames.js'

const forces = { isKnown: (id: string) => ['met', 'kent'].includes(id), isAvailable: (id: string) => id === 'met' }
const limits = { maxMessageChars: 100_000, maxContactChars: 2_000 }
const today = '2026-11-28'
const base: RawAnswers = { force: 'met', category: 'bribery', message: 'It happened.', anonymity: 'anonymous' }

function codes (raw: RawAnswers): string[] {
  return checkAnswers(raw, forces, limits, today).problems.map((p) => `${p.field}/${p.code}`)
}

test('valid answers pass and keep only closed values and the words written', (t) => {
  const { answers } = checkAnswers({ ...base, role: 'officer', duty: 'off', setting: 'online', 'when-month': '3', 'when-year': '2025', 'at-risk': 'yes' }, forces, limits, today)
  t.deepEqual(answers, { force: 'met', category: 'bribery', message: 'It happened.', anonymity: 'anonymous', role: 'officer', duty: 'off', setting: 'online', when: '2025-03', atRisk: 'yes' })
})

test('contact details given with "stay anonymous" are dropped', (t) => {
  t.is(checkAnswers({ ...base, contact: 'phone me' }, forces, limits, today).answers?.contact, undefined)
  t.is(checkAnswers({ ...base, anonymity: 'contact', contact: ' phone me ' }, forces, limits, today).answers?.contact, 'phone me')
})

test('each refusal names its field and reason', (t) => {
  t.deepEqual(codes({}), ['force/missing', 'category/missing', 'message/missing', 'anonymity/missing'])
  t.deepEqual(codes({ ...base, force: 'atlantis' }), ['force/unknown'])
  t.deepEqual(codes({ ...base, force: 'kent' }), ['force/unavailable'])
  t.deepEqual(codes({ ...base, category: 'parking' }), ['category/unknown'])
  t.deepEqual(codes({ ...base, message: ' \n ' }), ['message/missing'])
  t.deepEqual(codes({ ...base, message: 'é'.repeat(100_001) }), ['message/too-long'])
  t.deepEqual(codes({ ...base, message: '😀'.repeat(100_000) }), [])
  t.deepEqual(codes({ ...base, anonymity: 'contact' }), ['contact/missing'])
  t.deepEqual(codes({ ...base, anonymity: 'contact', contact: 'x'.repeat(2001) }), ['contact/too-long'])
  t.deepEqual(codes({ ...base, anonymity: 'maybe' }), ['anonymity/invalid'])
  t.deepEqual(codes({ ...base, role: 'chief', duty: 'x', setting: 'y', 'at-risk': 'perhaps' }), ['role/invalid', 'duty/invalid', 'setting/invalid', 'at-risk/invalid'])
})

test('roughly when: month and year at most, never in the future', (t) => {
  t.deepEqual(codes({ ...base, 'when-year': '2027' }), ['when-year/future'])
  t.deepEqual(codes({ ...base, 'when-month': '12', 'when-year': '2026' }), ['when-month/future'])
  t.deepEqual(codes({ ...base, 'when-month': '13', 'when-year': '2020' }), ['when-month/invalid'])
  t.deepEqual(codes({ ...base, 'when-month': '5' }), ['when-year/invalid'])
  t.deepEqual(codes({ ...base, 'when-year': '1900' }), ['when-year/invalid'])
  t.is(checkAnswers({ ...base, 'when-year': '2019' }, forces, limits, today).answers?.when, '2019')
  t.is(checkAnswers({ ...base, 'when-month': '11', 'when-year': '2026' }, forces, limits, today).answers?.when, '2026-11')
})

test('file names lose directories, control characters and leading dots, and stay short', (t) => {
  t.is(sanitizeFilename('../../etc/passwd'), 'passwd')
  t.is(sanitizeFilename('C:\\Users\\pc\\évidence 1.jpg'), 'évidence 1.jpg')
  t.is(sanitizeFilename('..'), 'attachment')
  t.is(sanitizeFilename('.bashrc'), 'bashrc')
  t.is(sanitizeFilename('a\u0000b\u202ecod.exe'), 'abcod.exe')
  t.is(sanitizeFilename(''), 'attachment')
  const long = sanitizeFilename('é'.repeat(300) + '.pdf')
  t.true(Buffer.byteLength(long) <= 200)
  t.true(long.endsWith('.pdf'))
})
