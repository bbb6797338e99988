/**
 * Listing metadata that may identify a reporter in a decrypted attachment:
 * where a photo was taken and with which camera, who wrote a document. The
 * format is told by the file's first bytes, never by its name (which the
 * sender chose). Images are read with exifr (EXIF, GPS, XMP, IPTC); PNG text
 * chunks, PDF information dictionaries and Office author fields by the small
 * readers beside this file. Nothing is changed: cleaning is mat2's job.
 */
import { open } from 'node:fs/promises'
import exifr from 'exifr'
import { officeMetadata } from './metadata-office.js'
import { pdfMetadata } from './metadata-pdf.js'
import { pngMetadata } from './metadata-png.js'
import { displayValue } from './metadata-text.js'

/** What was found in one file. */
export interface MetadataReport {
  /** The format recognised, or undefined when it is not one inspected here. */
  readonly format: string | undefined
  /** One line per identifying field found. */
  readonly found: readonly string[]
  /** True when the file claimed a known format but could not be read. */
  readonly unreadable: boolean
}

// Images keep their metadata near the start; this much of the file is handed to exifr.
const HEAD_BYTES = 4 * 1024 * 1024

// Tags that can name, place or single out a person or their device.
const EXIF_TAGS = [
  'Make', 'Model', 'SerialNumber', 'BodySerialNumber', 'LensSerialNumber', 'CameraSerialNumber', 'CameraOwnerName', 'OwnerName',
  'Artist', 'Copyright', 'XPAuthor', 'XPComment', 'XPSubject', 'XPTitle', 'XPKeywords', 'ImageDescription', 'UserComment',
  'Software', 'HostComputer', 'DateTimeOriginal', 'CreateDate', 'ModifyDate', 'ImageUniqueID', 'GPSAltitude', 'GPSDateStamp',
  'creator', 'Creator', 'CreatorTool', 'Byline', 'Writer', 'Contact', 'City', 'Country', 'State', 'Sublocation', 'Credit', 'Source', 'rights', 'Rights',
]

const EXIFR_OPTIONS = {
  tiff: true, exif: true, gps: true, xmp: true, iptc: true, icc: false, jfif: false, ihdr: false, interop: false, ifd1: false,
  makerNote: false, userComment: true, mergeOutput: true, silentErrors: true, reviveValues: false,
}

function show (value: unknown): string {
  if (value instanceof Uint8Array) return displayValue(Buffer.from(value).toString('latin1').replace(/\0/gu, ''))
  if (Array.isArray(value)) return displayValue(value.map(show).join(', '))
  if (typeof value === 'object' && value !== null) return displayValue(Object.values(value).map(show).join(' '))
  return displayValue(String(value))
}

/** Identifying EXIF, GPS, XMP and IPTC fields of an image (JPEG, TIFF, HEIC, or a TIFF block from a PNG). */
export async function exifFields (bytes: Uint8Array): Promise<string[]> {
  const tags = await exifr.parse(bytes, EXIFR_OPTIONS) as Record<string, unknown> | undefined
  if (tags === undefined) return []
  const found: string[] = []
  if (typeof tags.latitude === 'number' && typeof tags.longitude === 'number') {
    found.push(`GPS position: ${tags.latitude.toFixed(6)}, ${tags.longitude.toFixed(6)}`)
  } else if (tags.GPSLatitude !== undefined) {
    found.push(`GPS position: ${show(tags.GPSLatitude)} ${show(tags.GPSLatitudeRef ?? '')}, ${show(tags.GPSLongitude ?? '')} ${show(tags.GPSLongitudeRef ?? '')}`)
  }
  for (const tag of EXIF_TAGS) {
    if (tags[tag] === undefined) continue
    const value = show(tags[tag])
    if (value !== '') found.push(`${tag}: ${value}`)
  }
  return found
}

function formatOf (head: Buffer): string | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'JPEG'
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'PNG'
  const four = head.subarray(0, 4).toString('latin1')
  if (four === 'II*\0' || four === 'MM\0*') return 'TIFF'
  if (head.subarray(4, 8).toString('latin1') === 'ftyp' && /^(heic|heix|hevc|mif1|msf1|avif)$/u.test(head.subarray(8, 12).toString('latin1'))) return 'HEIF'
  // PDF allows a little junk before its header.
  if (head.subarray(0, 1024).includes('%PDF-')) return 'PDF'
  if (four === 'PK\u0003\u0004') return 'ZIP'
  return undefined
}

async function readHead (file: string): Promise<Buffer> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(HEAD_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Lists the identifying metadata of one file; never throws for a malformed file. */
export async function inspectMetadata (file: string): Promise<MetadataReport> {
  const head = await readHead(file)
  let format = formatOf(head)
  if (format === undefined) return { format, found: [], unreadable: false }
  try {
    let found: string[]
    if (format === 'PNG') found = await pngMetadata(file, exifFields)
    else if (format === 'PDF') found = await pdfMetadata(file)
    else if (format === 'ZIP') {
      const office = await officeMetadata(file)
      if (office === undefined) return { format: undefined, found: [], unreadable: false }
      format = 'Office document'
      found = office
    } else found = await exifFields(head)
    return { format, found, unreadable: false }
  } catch {
    return { format, found: [], unreadable: true }
  }
}
