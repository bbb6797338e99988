/**
 * PNG metadata: the text chunks (tEXt, zTXt, iTXt, XMP among them), the
 * modification time (tIME) and embedded EXIF (eXIf). Chunks are walked by
 * their headers, reading only the small ones that can hold text, so a large
 * image is never read whole.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { inflateSync } from 'node:zlib'
import { displayValue, xmpFields } from './metadata-text.js'

const MAX_TEXT_CHUNK = 1024 * 1024
const MAX_CHUNKS = 100_000
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt', 'tIME', 'eXIf'])

function inflate (bytes: Uint8Array): Buffer {
  return inflateSync(bytes, { maxOutputLength: MAX_TEXT_CHUNK })
}

function textChunk (type: string, data: Buffer): string[] {
  const zero = data.indexOf(0)
  if (zero < 0) return []
  const keyword = data.subarray(0, zero).toString('latin1')
  let text: string
  if (type === 'tEXt') {
    text = data.subarray(zero + 1).toString('latin1')
  } else if (type === 'zTXt') {
    text = inflate(data.subarray(zero + 2)).toString('latin1')
  } else {
    // iTXt: keyword, compression flag and method, language tag, translated keyword, then UTF-8 text.
    const compressed = data[zero + 1] === 1
    const langEnd = data.indexOf(0, zero + 3)
    const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1)
    if (transEnd < 0) return []
    const body = data.subarray(transEnd + 1)
    text = (compressed ? inflate(body) : body).toString('utf8')
  }
  if (keyword === 'XML:com.adobe.xmp') return xmpFields(text)
  const value = displayValue(text)
  return value === '' ? [] : [`PNG text "${displayValue(keyword)}": ${value}`]
}

function timeChunk (data: Buffer): string[] {
  if (data.length < 7) return []
  const pad = (n: number): string => String(n).padStart(2, '0')
  return [`PNG modification time: ${data.readUInt16BE(0)}-${pad(data[2]!)}-${pad(data[3]!)} ${pad(data[4]!)}:${pad(data[5]!)}:${pad(data[6]!)}`]
}

async function readAt (handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await handle.read(buffer, 0, length, position)
  return buffer.subarray(0, bytesRead)
}

/** The identifying metadata of a PNG file; `exif` reads an embedded EXIF block. */
export async function pngMetadata (file: string, exif: (tiff: Buffer) => Promise<string[]>): Promise<string[]> {
  const found: string[] = []
  const handle = await open(file, 'r')
  try {
    let position = 8
    for (let count = 0; count < MAX_CHUNKS; count++) {
      const header = await readAt(handle, position, 8)
      if (header.length < 8) break
      const length = header.readUInt32BE(0)
      const type = header.subarray(4, 8).toString('latin1')
      if (type === 'IEND') break
      if (TEXT_CHUNKS.has(type) && length <= MAX_TEXT_CHUNK) {
        const data = await readAt(handle, position + 8, length)
        try {
          if (type === 'tIME') found.push(...timeChunk(data))
          else if (type === 'eXIf') found.push(...await exif(data))
          else found.push(...textChunk(type, data))
        } catch {
          found.push(`PNG ${type} chunk present but unreadable`)
        }
      }
      position += 12 + length
    }
  } finally {
    await handle.close()
  }
  return found
}
