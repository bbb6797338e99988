/**
 * Attachment names: kept only inside the encrypted literal data packet, and
 * made safe first, because the unit's offline machine will write files under
 * these names. A name that says "../../etc/passwd" becomes "passwd".
 */

const MAX_BYTES = 200
const FALLBACK = 'attachment'

/** A file name with no directory part, no control characters, no leading dots, at most 200 UTF-8 bytes. */
export function sanitizeFilename (name: string): string {
  let base = name.normalize('NFC').split(/[/\\]/u).pop() ?? ''
  base = base.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '')
  base = base.replace(/[<>:"|?*]/gu, '_')
  while (Buffer.byteLength(base, 'utf8') > MAX_BYTES) {
    const dot = base.lastIndexOf('.')
    const ext = dot > 0 && base.length - dot <= 10 ? base.slice(dot) : ''
    const stem = [...base.slice(0, base.length - ext.length)]
    stem.pop()
    base = stem.join('') + ext
  }
  return base === '' ? FALLBACK : base
}
