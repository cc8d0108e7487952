// Text in SVG drawn on the server, where no font can be measured: widths are estimated on the wide
// side per character (in ems of the font size), so that text sized by them stays inside its box in
// any common sans-serif font. test/ui/svg-text.test.ts measures the result in Chromium.

const NARROW = new Set("iljtfrI.,:;'|!()[]{} ·");
const WIDE = new Set("mwMW@%&—…");

/** An upper estimate of the width of `text` drawn at `fontSize` px (bold adds a tenth). */
function textWidth(text: string, fontSize: number, bold = false): number {
  let ems = 0;
  for (const ch of text) {
    if (NARROW.has(ch)) ems += 0.4;
    else if (WIDE.has(ch)) ems += 1;
    else if (ch >= "A" && ch <= "Z") ems += 0.75;
    else ems += 0.62;
  }
  return ems * fontSize * (bold ? 1.1 : 1);
}

/** `text` cut with an ellipsis so that it fits in `width` px. */
export function fitText(text: string, width: number, fontSize: number, bold = false): string {
  if (textWidth(text, fontSize, bold) <= width) return text;
  const chars = Array.from(text);
  while (chars.length > 0 && textWidth(`${chars.join("")}…`, fontSize, bold) > width) chars.pop();
  return `${chars.join("")}…`;
}

/** `text` broken at spaces into lines that each fit in `width` px; a word longer than a line is cut. */
export function wrapText(text: string, width: number, fontSize: number, bold = false): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    const joined = line === "" ? word : `${line} ${word}`;
    if (textWidth(joined, fontSize, bold) <= width) {
      line = joined;
      continue;
    }
    if (line !== "") lines.push(line);
    line = fitText(word, width, fontSize, bold);
  }
  if (line !== "") lines.push(line);
  return lines;
}
