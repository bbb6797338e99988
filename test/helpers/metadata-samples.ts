/**
 * Small, valid files carrying identifying metadata, built in the test: a JPEG
 * with EXIF (GPS position, camera make, artist), a PNG with a text chunk, a
 * PDF with an information dictionary, and a .docx with author fields.
 */
import { crc32, deflateSync } from 'node:zlib'
import yazl from 'yazl'

// An 8x8 blue JPEG (JFIF, baseline), made once with GdkPixbuf.
const TINY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwChRRRXuHnn/9k=',
  'base64',
)

const ASCII = 2
const LONG = 4
const RATIONAL = 5

interface Tag { readonly tag: number; readonly type: number; readonly count: number; readonly data: Buffer }

function ascii (tag: number, text: string): Tag {
  const data = Buffer.from(text + '\0', 'latin1')
  return { tag, type: ASCII, count: data.length, data }
}

function rationals (tag: number, values: ReadonlyArray<[number, number]>): Tag {
  const data = Buffer.alloc(values.length * 8)
  values.forEach(([num, den], i) => { data.writeUInt32BE(num, i * 8); data.writeUInt32BE(den, i * 8 + 4) })
  return { tag, type: RATIONAL, count: values.length, data }
}

function long (tag: number, value: number): Tag {
  const data = Buffer.alloc(4)
  data.writeUInt32BE(value)
  return { tag, type: LONG, count: 1, data }
}

/** Lays out one IFD at `offset` (big-endian TIFF); values over 4 bytes follow it. */
function ifd (tags: readonly Tag[], offset: number): Buffer {
  const head = Buffer.alloc(2 + tags.length * 12 + 4)
  head.writeUInt16BE(tags.length, 0)
  const extra: Buffer[] = []
  let extraOffset = offset + head.length
  tags.forEach((t, i) => {
    const at = 2 + i * 12
    head.writeUInt16BE(t.tag, at)
    head.writeUInt16BE(t.type, at + 2)
    head.writeUInt32BE(t.count, at + 4)
    if (t.data.length <= 4) t.data.copy(head, at + 8)
    else {
      head.writeUInt32BE(extraOffset, at + 8)
      const padded = t.data.length % 2 === 0 ? t.data : Buffer.concat([t.data, Buffer.alloc(1)])
      extra.push(padded)
      extraOffset += padded.length
    }
  })
  return Buffer.concat([head, ...extra])
}

function dms (value: number): Array<[number, number]> {
  const deg = Math.floor(value)
  const minutes = Math.floor((value - deg) * 60)
  const seconds = Math.round(((value - deg) * 60 - minutes) * 60 * 100)
  return [[deg, 1], [minutes, 1], [seconds, 100]]
}

/** A JPEG whose EXIF holds a GPS position, a camera make and an artist's name. */
export function jpegWithExif (options: { artist: string; make: string; latitude: number; longitude: number }): Buffer {
  const gps = [
    ascii(0x0001, options.latitude >= 0 ? 'N' : 'S'),
    rationals(0x0002, dms(Math.abs(options.latitude))),
    ascii(0x0003, options.longitude >= 0 ? 'E' : 'W'),
    rationals(0x0004, dms(Math.abs(options.longitude))),
  ]
  const ifd0Tags = (gpsOffset: number): Tag[] => [ascii(0x010f, options.make), ascii(0x013b, options.artist), long(0x8825, gpsOffset)]
  const ifd0Length = ifd(ifd0Tags(0), 8).length
  const tiff = Buffer.concat([Buffer.from('MM\0*\0\0\0\u0008', 'latin1'), ifd(ifd0Tags(8 + ifd0Length), 8), ifd(gps, 8 + ifd0Length)])
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const app1 = Buffer.alloc(4)
  app1.writeUInt16BE(0xffe1, 0)
  app1.writeUInt16BE(payload.length + 2, 2)
  // After SOI and the JFIF APP0 segment (2 + 18 bytes).
  return Buffer.concat([TINY_JPEG.subarray(0, 20), app1, payload, TINY_JPEG.subarray(20)])
}

function pngChunk (type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])))
  return Buffer.concat([head, data, crc])
}

/** A 1x1 PNG with a tEXt chunk `keyword` = `text`. */
export function pngWithText (keyword: string, text: string): Buffer {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1')),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0x33, 0x66, 0xcc]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** A one-page PDF whose information dictionary names an author (literal string) and a producer (UTF-16 hex string). */
export function pdfWithInfo (author: string, producer: string): Buffer {
  const hex = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(producer, 'utf16le').swap16()]).toString('hex').toUpperCase()
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << >> >>',
    '<< /Length 21 >>\nstream\n0 0 1 rg 10 10 50 50 re f\nendstream',
    `<< /Author (${author.replace(/[()\\]/g, (c) => `\\${c}`)}) /Creator (Writer) /Producer <${hex}> >>`,
  ]
  let body = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'))
    body += `${i + 1} 0 obj\n${object}\nendobj\n`
  })
  const xref = Buffer.byteLength(body, 'latin1')
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
}

/** A minimal .docx (a zip) whose core and app properties name its author, last editor and company. */
export async function docxWithAuthors (creator: string, lastModifiedBy: string, company: string): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'), '[Content_Types].xml')
  zip.addBuffer(Buffer.from(`<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${creator}</dc:creator><cp:lastModifiedBy>${lastModifiedBy}</cp:lastModifiedBy></cp:coreProperties>`), 'docProps/core.xml')
  zip.addBuffer(Buffer.from(`<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Company>${company}</Company></Properties>`), 'docProps/app.xml')
  zip.end()
  const parts: Buffer[] = []
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) parts.push(chunk)
  return Buffer.concat(parts)
}
