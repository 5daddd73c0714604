// Reading a written report back in the tests (not a test file itself): its figures, the marks
// vega drew in each, axis labels and their positions.

/** data-chart name → the figure's inner HTML (heading, inline SVG, caption), in page order. */
export function figures(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<figure class="chart" data-chart="([^"]+)">([\s\S]*?)<\/figure>/g)) out.set(m[1], m[2]);
  return out;
}

/** The inline SVG of a figure. */
export function svgOf(figure: string): string {
  const m = /<svg[\s\S]*<\/svg>/.exec(figure);
  if (!m) throw new Error('figure has no inline <svg>');
  return m[0];
}

/**
 * The data marks vega drew (role-mark groups, not axes or legends), by mark type: the SVG
 * elements with a drawn shape (a path with a non-empty d, a rect with a size, a text with text).
 */
export function dataMarks(svg: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of svg.matchAll(/<g class="mark-(\w+) role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g)) {
    const elements = [...g[2].matchAll(/<(path|rect|line|text)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g)].filter(([, tag, attrs, text]) => {
      if (tag === 'path') return /\sd="M[^"]+"/.test(attrs);
      if (tag === 'text') return (text ?? '').trim().length > 0;
      return true;
    });
    (out[g[1]] ??= []).push(...elements.map((e) => e[0]));
  }
  return out;
}

/** The x positions of an SVG's x-axis labels with their text: [[text, x], …] (visible labels only). */
export function axisLabels(svg: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  // The first role-axis-label group in vega's output belongs to the x axis (the bottom one is drawn first).
  const group = /<g class="mark-text role-axis-label"[^>]*>([\s\S]*?)<\/g>/.exec(svg);
  if (!group) return out;
  for (const [, attributes, text] of group[1].matchAll(/<text([^>]*)>([^<]+)<\/text>/g)) {
    if (/opacity="0"/.test(attributes)) continue; // labels vega hid to avoid overlaps
    const x = /transform="translate\(([-\d.e]+),/.exec(attributes);
    if (x) out.push([text, Number(x[1])]);
  }
  return out;
}
