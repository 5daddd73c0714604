// The `tunenet` command line (bin/tunenet.js loads dist/cli/index.js).
export { main, program } from './commands';
export { train, type TrainOptions } from './train';
export { encodingPath } from './output';
export { readCsv, prepare, fitEncoding, encodeRows, MAX_AUTO_CLASSES, type Encoding, type Table, type Task } from './table';
export { CliError } from './errors';
