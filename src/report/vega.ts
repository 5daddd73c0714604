// Charts to SVG, server-side: a vega-lite spec is compiled to a vega spec and rendered by a
// headless vega View (renderer 'none': no canvas, no DOM) with view.toSVG().
//
// vega and vega-lite are ES modules only, with top-level await (so not even Node 20.19's
// require(esm) loads them), and heavy (~200 ms): they are imported on the first report, never by
// `require('tunenet')`. The package compiles to CommonJS, where tsc turns `import('vega')` into
// `require('vega')`; an import() inside a Function is out of tsc's sight and stays a real one.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

type Importer = (url: string) => Promise<any>;

/** Node's ES-module loader, for code loaded the ordinary way (require, import). */
const nativeImport = new Function('url', 'return import(url)') as Importer;

/**
 * Code that a test runner evaluates in a vm (vitest, jest) has no import() of its own; there
 * the main context's loader is asked for explicitly. That switch is experimental in Node 20/22
 * (it prints a warning), so it is only taken when the ordinary way is missing.
 */
function vmImport(url: string): Promise<any> {
  const load = vm.compileFunction('return import(url)', ['url'], { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  return (load as Importer)(url);
}

async function importEsm(url: string): Promise<any> {
  try {
    return await nativeImport(url);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING') return vmImport(url);
    throw e;
  }
}

/** A package's entry as a file URL, resolved from tunenet's own location (as require would). */
function packageUrl(name: string): string {
  return pathToFileURL(createRequire(__filename).resolve(name)).href;
}

/** A vega-lite specification (plain JSON); see https://vega.github.io/vega-lite/docs/. */
export type ChartSpec = Record<string, unknown>;

interface VegaModules {
  vega: any;
  vegaLite: any;
}

let loading: Promise<VegaModules> | undefined;

/** vega and vega-lite, imported once per process, on first use. */
export function loadVega(): Promise<VegaModules> {
  if (!loading) {
    const load = Promise.all([importEsm(packageUrl('vega')), importEsm(packageUrl('vega-lite'))]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
    // A failed load is not kept: the next report tries again.
    load.catch(() => {
      if (loading === load) loading = undefined;
    });
    loading = load;
  }
  return loading;
}

/** Renders one vega-lite spec to an SVG document string. */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
