// A small TensorBoard event-file writer: TFRecord framing (record.ts), the Event/Summary/
// HistogramProto messages (events.ts), histogram buckets (histogram.ts) and the file (eventFileWriter.ts).
export { EventFileWriter } from './eventFileWriter';
export { histogramOf, DEFAULT_BUCKET_COUNT, type Histogram } from './histogram';
export { encodeEvent, FILE_VERSION, type EventContent, type SummaryValue, type TensorBoardEvent } from './events';
export { crc32c, maskedCrc32c, tfRecord } from './record';
