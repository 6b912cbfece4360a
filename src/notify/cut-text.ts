// Grapheme clusters: an emoji with its modifiers, a flag, a letter with its accents.
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` cut to at most `maxUnits` UTF-16 code units (what `String#length` counts, and what
 * Telegram's 4096 limit counts), `suffix` included, on a grapheme boundary: a cut inside a
 * surrogate pair leaves a lone surrogate, which is no text at all (Telegram refuses it), and a
 * cut inside a cluster changes what the reader sees. A single cluster longer than the room (a
 * pile of combining marks) is cut between code points. Text that fits is returned as it is.
 *
 * @param suffix - appended when cut, to say so. @defaultValue '…'
 */
export function cutText(text: string, maxUnits: number, suffix = '…'): string {
  if (text.length <= maxUnits) return text;
  const room = Math.max(0, maxUnits - suffix.length);
  let end = 0;
  // Lazy: only the clusters up to the cut are looked at, however long the text.
  for (const { index, segment } of GRAPHEMES.segment(text)) {
    if (index + segment.length > room) break;
    end = index + segment.length;
  }
  if (end === 0 && room > 0) {
    end = room;
    if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  }
  return text.slice(0, end) + suffix;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
