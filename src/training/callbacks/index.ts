// Callback helpers for fit's `callbacks: [...]` (Keras's ModelCheckpoint, CSVLogger; JSON lines).
export { modelCheckpoint, type ModelCheckpoint, type ModelCheckpointOptions } from './modelCheckpoint';
export { csvLogger, CSV_COLUMNS, type CsvLoggerOptions } from './csvLogger';
export { jsonLogger, type JsonLoggerOptions } from './jsonLogger';
