/** The codename reserve: new reporters made ahead of time, in memory (the order of derivations: derivation-queue.test.ts). */
import test from 'ava'
import { performance } from 'node:perf_hooks'
import { CodenameReserve, type NewReporter } from '../../src/domain/codename-reserve.js'
import { deriveReporterKeys, WORDLIST, CODENAME_WORDS } from '../../src/domain/codenames.js'
import { DerivationQueue } from '../../src/domain/derivation-queue.js'
import { unlockReplyKey } from '../../src/crypto/reply-keys.js'

const deps = { peppers: { reporterId: Buffer.alloc(32, 7), replyKey: Buffer.alloc(32, 8) }, scryptCost: 1024, derivations: new DerivationQueue() }

function filled (capacity: number, quietMs = 20): { reserve: CodenameReserve; full: Promise<void> } {
  let full!: () => void
  const promise = new Promise<void>((resolve) => { full = resolve })
  const reserve = new CodenameReserve(deps, capacity, { quietMs, onFirstFull: full, onFailure: (err) => { throw err } })
  return { reserve, full: promise }
}

async function checkReporter (t: import('ava').ExecutionContext, made: NewReporter): Promise<void> {
  const words = made.codename.split(' ')
  t.is(words.length, CODENAME_WORDS)
  t.true(words.every((w) => WORDLIST.includes(w)))
  const keys = await deriveReporterKeys(made.codename, deps.peppers, deps.scryptCost)
  t.is(made.reporterId, keys.reporterId, 'the identifier is the codename\'s')
  t.truthy(await unlockReplyKey(made.lockedReplySecretKey, keys.replyPassphrase), 'the codename\'s passphrase unlocks the reply key')
  t.regex(made.replyPublicKey, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/)
}

test('a reserve fills to its capacity, hands out working reporters once each, and fills again', async (t) => {
  const { reserve, full } = filled(3)
  t.teardown(() => reserve.close())
  t.is(reserve.ready, 0, 'nothing is made before fill()')
  reserve.fill()
  await full
  t.is(reserve.ready, 3)
  const taken = [await reserve.take(), await reserve.take(), await reserve.take()]
  t.is(new Set(taken.map((r) => r.codename)).size, 3)
  t.is(new Set(taken.map((r) => r.reporterId)).size, 3)
  for (const made of taken) await checkReporter(t, made)
  // Taking starts the refill; it comes back to capacity and no further.
  while (reserve.ready < 3) await new Promise((resolve) => setTimeout(resolve, 10))
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.is(reserve.ready, 3)
  const next = await reserve.take()
  t.false(taken.some((r) => r.codename === next.codename))
})

test('the refill waits until no reporter has been handed out for the quiet time', async (t) => {
  const { reserve, full } = filled(2, 400)
  t.teardown(() => reserve.close())
  reserve.fill()
  await full
  const handedOut = performance.now()
  await reserve.take()
  t.is(reserve.ready, 1)
  await reserve.take()
  t.is(reserve.ready, 0)
  while (reserve.ready < 2) await new Promise((resolve) => setTimeout(resolve, 10))
  t.true(performance.now() - handedOut >= 400, 'nothing was made during the quiet time')
})

test('a reserve of 0 makes each reporter on the spot and keeps none', async (t) => {
  const reserve = new CodenameReserve(deps, 0)
  reserve.fill()
  const made = await reserve.take()
  await checkReporter(t, made)
  t.is(reserve.ready, 0)
  await reserve.close()
})

test('closing forgets what was held and stops the refill; a reporter is still made on the spot', async (t) => {
  const { reserve, full } = filled(2)
  reserve.fill()
  await full
  await reserve.close()
  t.is(reserve.ready, 0)
  const made = await reserve.take()
  await checkReporter(t, made)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.is(reserve.ready, 0, 'no refill after close')
  t.throws(() => new CodenameReserve(deps, -1), { instanceOf: RangeError })
})

test('a new reporter admitted while a codename was ready keeps a place when others empty the reserve; empty and full, it is refused at once', async (t) => {
  const derivations = new DerivationQueue({ concurrency: 1, maxWaitingLogins: 1, maxWaitingNewReporters: 1 })
  let full!: () => void
  const ready = new Promise<void>((resolve) => { full = resolve })
  // A long quiet time: no refill joins the queue once the first hand-out is made.
  const reserve = new CodenameReserve({ ...deps, derivations }, 1, { quietMs: 60_000, onFirstFull: full, onFailure: (err) => { throw err } })
  t.teardown(() => reserve.close())
  reserve.fill()
  await ready
  // The one slot is held and one new reporter waits: the queue is full.
  let open!: () => void
  const holding = derivations.run('login', () => new Promise<void>((resolve) => { open = resolve }))
  const waiting = derivations.run('new-reporter', async () => {})
  t.true(derivations.full('new-reporter'))

  const admitted = reserve.admit()
  await reserve.take()
  t.is(reserve.ready, 0, 'someone else took the codename that was ready')
  t.is((t.throws(() => reserve.admit()) as { code?: string }).code, 'BUSY')
  const made = reserve.take(admitted)
  t.is(derivations.load.waiting['new-reporter'], 2, 'the admitted reporter waits past the bound')
  open()
  await Promise.all([holding, waiting])
  await checkReporter(t, await made)
})
