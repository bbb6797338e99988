/**
 * Small text helpers for the metadata listings: values shown on the
 * reviewer's terminal come from an attachment, so control characters (which
 * could drive the terminal) are removed and long values cut.
 */

const MAX_CHARS = 200

/** A metadata value made safe and short for one line of terminal output. */
export function displayValue (value: string): string {
  const clean = value.replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ').replace(/\s+/gu, ' ').trim()
  const chars = [...clean]
  return chars.length > MAX_CHARS ? chars.slice(0, MAX_CHARS).join('') + '…' : clean
}

/** Decodes the five predefined XML entities and numeric character references. */
export function xmlText (text: string): string {
  return text
    .replace(/<[^>]*>/gu, ' ')
    .replace(/&#x([0-9a-f]{1,6});/giu, (_, hex: string) => safeCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]{1,7});/gu, (_, dec: string) => safeCodePoint(parseInt(dec, 10)))
    .replace(/&lt;/gu, '<').replace(/&gt;/gu, '>').replace(/&quot;/gu, '"').replace(/&apos;/gu, "'").replace(/&amp;/gu, '&')
}

function safeCodePoint (n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : ''
}

// XMP properties that name or place a person, found in photos, PDFs and PNGs alike.
const XMP_PROPERTIES = [
  'dc:creator', 'dc:rights', 'xmp:CreatorTool', 'pdf:Producer', 'pdf:Author', 'photoshop:AuthorsPosition',
  'photoshop:City', 'photoshop:State', 'photoshop:Country', 'photoshop:Credit', 'exif:GPSLatitude', 'exif:GPSLongitude',
] as const

/** Identifying properties of an XMP packet, as "name: value" lines (element and attribute forms). */
export function xmpFields (xml: string): string[] {
  const out: string[] = []
  for (const name of XMP_PROPERTIES) {
    const escaped = name.replace(':', '\\:')
    const element = new RegExp(`<${escaped}(?:\\s[^>]*)?>([\\s\\S]{0,4000}?)</${escaped}>`, 'u').exec(xml)
    const attribute = new RegExp(`\\s${escaped}\\s*=\\s*"([^"]{0,4000})"`, 'u').exec(xml)
    const value = displayValue(xmlText(element?.[1] ?? attribute?.[1] ?? ''))
    if (value !== '') out.push(`XMP ${name}: ${value}`)
  }
  return out
}
