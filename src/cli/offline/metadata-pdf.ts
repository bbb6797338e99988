/**
 * PDF metadata: the document information dictionary (Author, Creator,
 * Producer, Title) and XMP properties stored in the clear. There is no PDF
 * parser here: a regular expression over the file, read in overlapping
 * chunks, finds `/Author (...)` and `/Author <hex>` entries. That misses
 * entries inside compressed object streams and encrypted PDFs (mat2 removes
 * those too); it finds what most office suites and scanners write.
 */
import { createReadStream } from 'node:fs'
import { displayValue, xmpFields } from './metadata-text.js'

const CHUNK = 1024 * 1024
const OVERLAP = 8 * 1024
const INFO = /\/(Author|Creator|Producer|Title)\s*(?:\(((?:\\[\s\S]|[^\\()]){0,2000})\)|<([0-9A-Fa-f\s]{0,4000})>)/gu

/** Decodes a PDF literal string's escapes into bytes (as latin1 code units). */
function literalBytes (text: string): Buffer {
  const escaped = text.replace(/\\(?:([0-7]{1,3})|(\r\n|\r|\n)|([\s\S]))/gu, (_, octal?: string, newline?: string, char?: string) => {
    if (octal !== undefined) return String.fromCharCode(parseInt(octal, 8) & 0xff)
    if (newline !== undefined) return ''
    return ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[char!] ?? char!
  })
  return Buffer.from(escaped, 'latin1')
}

/** PDF text strings are UTF-16BE with a byte order mark, or else PDFDocEncoding (close to latin1). */
function textString (bytes: Buffer): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le')
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8')
  return bytes.toString('latin1')
}

function evenLength (bytes: Buffer): Buffer {
  return bytes.length % 2 === 0 ? bytes : bytes.subarray(0, bytes.length - 1)
}

/** The identifying metadata of a PDF file. */
export async function pdfMetadata (file: string): Promise<string[]> {
  const found = new Set<string>()
  let carry = ''
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
    const text = carry + (chunk as Buffer).toString('latin1')
    for (const match of text.matchAll(INFO)) {
      let bytes = match[2] !== undefined ? literalBytes(match[2]) : Buffer.from(match[3]!.replace(/\s/gu, ''), 'hex')
      if (bytes[0] === 0xfe) bytes = evenLength(bytes)
      const value = displayValue(textString(bytes))
      if (value !== '') found.add(`PDF ${match[1]}: ${value}`)
    }
    if (text.includes('<x:xmpmeta') || text.includes('<rdf:RDF')) for (const line of xmpFields(text)) found.add(line)
    carry = text.slice(-OVERLAP)
  }
  return [...found]
}
