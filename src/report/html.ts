// The report page: one HTML file that opens anywhere without a network. Styles are inline, the
// charts are inline SVG, and there is no script, font, image or link to fetch.

/** A chart as the page shows it: the SVG vega rendered, with a heading and an optional note. */
export interface RenderedChart {
  /** Stable id (`loss`, `hyperparameter-learningRate`), the figure's data-chart attribute. */
  name: string;
  title: string;
  svg: string;
  note?: string;
}

/** Page text is HTML already built with `escapeHtml` for every value that came from the user. */
export interface PageSection {
  title: string;
  html?: string;
  charts: RenderedChart[];
}

export interface Page {
  title: string;
  subtitle: string;
  sections: PageSection[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** An HTML table from a header row (none for a table of name/value rows) and body rows; cells are escaped here. */
export function table(header: readonly string[] | null, rows: readonly (readonly string[])[]): string {
  const row = (cells: readonly string[], tag: 'th' | 'td') => `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  const head = header ? `<thead>${row(header, 'th')}</thead>` : '';
  return `<table>${head}<tbody>${rows.map((r) => row(r, 'td')).join('')}</tbody></table>`;
}

/** A bulleted list (items are escaped here). */
export function list(items: readonly string[]): string {
  return `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
}

/**
 * vega writes a standalone SVG document; inline in HTML the namespace declarations are implied,
 * and dropping them leaves the page without a single URL.
 */
function inlineSvg(svg: string): string {
  return svg.replace(/^<svg([^>]*)>/, (_, attributes: string) => `<svg${attributes.replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')}>`);
}

const STYLE = `
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
  header { background: #24292f; color: #fff; padding: 18px 32px; }
  header h1 { margin: 0; font-size: 22px; }
  header p { margin: 4px 0 0; color: #d0d7de; }
  main { padding: 8px 24px 24px; }
  section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 20px 16px; margin-top: 20px; }
  h2 { font-size: 18px; border-bottom: 1px solid #d8dee4; padding-bottom: 6px; }
  .charts { display: flex; flex-wrap: wrap; gap: 16px; }
  figure.chart { margin: 0; padding: 8px; border: 1px solid #eaeef2; border-radius: 4px; width: min-content; }
  figure.chart h3 { margin: 0 0 6px; font-size: 14px; }
  figure.chart figcaption { font-size: 13px; color: #57606a; }
  table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
  th, td { border: 1px solid #d0d7de; padding: 3px 10px; text-align: left; }
  th { background: #f6f8fa; }
  .verdict { font-weight: 600; }
`;

function chartHtml(chart: RenderedChart): string {
  const note = chart.note ? `<figcaption>${escapeHtml(chart.note)}</figcaption>` : '';
  return `<figure class="chart" data-chart="${escapeHtml(chart.name)}"><h3>${escapeHtml(chart.title)}</h3>${inlineSvg(chart.svg)}${note}</figure>`;
}

export function renderPage(page: Page): string {
  const sections = page.sections.map(
    (s) =>
      `<section><h2>${escapeHtml(s.title)}</h2>${s.html ?? ''}` +
      (s.charts.length > 0 ? `<div class="charts">${s.charts.map(chartHtml).join('\n')}</div>` : '') +
      `</section>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.subtitle)}</p></header>`,
    `<main>${sections.join('\n')}</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
