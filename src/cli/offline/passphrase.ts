/**
 * Passphrases for the offline commands: asked at the terminal without echo,
 * or read from a file (`--passphrase-file`) for scripted use. Never taken from
 * the command line itself, where it would sit in the shell history and in the
 * process list.
 */
import { readFile } from 'node:fs/promises'
import { CandourError } from '../../errors.js'

/** The shortest passphrase accepted for a new unit key. */
export const MIN_PASSPHRASE_CHARS = 12

/** Reads a passphrase file: its first line, without the line ending. */
export async function readPassphraseFile (file: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new CandourError('VALIDATION_FAILED', 'passphrase file cannot be read', { cause: err })
  }
  return text.split(/\r?\n/u, 1)[0] ?? ''
}

/** Asks for a passphrase at the terminal, echoing nothing; fails when there is no terminal. */
export async function askPassphrase (prompt: string): Promise<string> {
  const input = process.stdin
  if (!input.isTTY) throw new CandourError('VALIDATION_FAILED', 'no terminal to ask for the passphrase: use --passphrase-file')
  // Echo goes off before the prompt appears, so nothing typed after it is ever shown.
  input.setRawMode(true)
  process.stderr.write(prompt)
  input.setEncoding('utf8')
  input.resume()
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = ''
      const finish = (error?: CandourError): void => {
        input.off('data', onData)
        if (error === undefined) resolve(value)
        else reject(error)
      }
      const onData = (chunk: string): void => {
        for (const char of chunk) {
          if (char === '\r' || char === '\n') return finish()
          // Raw mode turns Ctrl-C and Ctrl-D into characters: treat them as giving up.
          if (char === '\u0003' || (char === '\u0004' && value === '')) return finish(new CandourError('VALIDATION_FAILED', 'passphrase entry cancelled'))
          if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('')
          else if (char === '\u0015') value = ''
          else if (char >= ' ') value += char
        }
      }
      input.on('data', onData)
    })
  } finally {
    input.setRawMode(false)
    input.pause()
    process.stderr.write('\n')
  }
}

/** The passphrase from `--passphrase-file` if given, else asked at the terminal. */
export async function passphraseFrom (file: string | undefined, prompt: string): Promise<string> {
  return file === undefined ? askPassphrase(prompt) : readPassphraseFile(file)
}

/** A new passphrase: from the file, or asked twice at the terminal; at least MIN_PASSPHRASE_CHARS characters. */
export async function newPassphrase (file: string | undefined): Promise<string> {
  const passphrase = await passphraseFrom(file, 'Passphrase for the new secret key: ')
  if ([...passphrase].length < MIN_PASSPHRASE_CHARS) throw new CandourError('VALIDATION_FAILED', `passphrase too short: use at least ${MIN_PASSPHRASE_CHARS} characters`)
  if (file === undefined && await askPassphrase('Repeat the passphrase: ') !== passphrase) {
    throw new CandourError('VALIDATION_FAILED', 'the two passphrases differ')
  }
  return passphrase
}
