/**
 * Issue 9, item 10 on the command line: an expected failure prints its code
 * and constant message; an unexpected one prints INTERNAL and the chain of
 * causes, so the operator can see what went wrong.
 */
import test from 'ava'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { failureText } from '../../src/cli/index.js'
import { CandourError } from '../../src/errors.js'
import { candour } from '../helpers/reviewer.js'

test('an unexpected failure of a command prints INTERNAL and its cause, and exits non-zero', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'candour-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  // The output folder's parent is a file: the operating system refuses, which the command does not foresee.
  await writeFile(path.join(dir, 'a-file'), 'x')
  const err = await t.throwsAsync(candour(['export', '--force', 'kent', '--out', path.join(dir, 'a-file', 'out')], path.join(dir, 'data'))) as { code?: number; stderr?: string }
  t.is(err.code, 1)
  t.regex(err.stderr ?? '', /^candour: INTERNAL: unexpected failure$/m)
  t.regex(err.stderr ?? '', /^ {2}caused by: Error (ENOTDIR|EEXIST): .+$/m)
})

test('an expected failure prints its code and message only; an unexpected one its causes', (t) => {
  t.is(failureText(new CandourError('NOT_FOUND', 'no such reviewer')), 'candour: NOT_FOUND: no such reviewer\n')
  t.is(failureText(new CandourError('PASSPHRASE_WRONG', 'wrong passphrase', { cause: new Error('inner') })), 'candour: PASSPHRASE_WRONG: wrong passphrase\n')
  t.is(failureText(new TypeError('x is not a function')), 'candour: INTERNAL: unexpected failure\n  caused by: TypeError: x is not a function\n')
  const wrapped = new CandourError('INTERNAL', 'unexpected failure', { cause: new Error('outer', { cause: Object.assign(new Error('lock held'), { code: 'LEVEL_LOCKED' }) }) })
  t.is(failureText(wrapped), 'candour: INTERNAL: unexpected failure\n  caused by: Error: outer\n  caused by: Error LEVEL_LOCKED: lock held\n')
})
