// tunenet as the bench scripts import it. bench/ has its own package.json (the peers' dev
// dependencies), so the package self-reference `import … from 'tunenet'` that works from the
// repository root does not reach here; this re-exports the same ES-module entry (dist/index.mjs,
// built by `npm run build`) that the self-reference resolves to.
export * from '../dist/index.mjs';
export { default } from '../dist/index.mjs';
