// Packages that only some features need, loaded on first use so that `require('tunenet')` pays
// neither their start-up time nor their memory (bullmq with ioredis, msgpackr and luxon: ~20 MiB
// and ~100 ms; protobufjs). vega and vega-lite, ES modules only, have their own loader in
// src/report/vega.ts. `import type` in the callers keeps the types; the value comes from here.
import type * as BullMQ from 'bullmq';
import type * as Protobuf from 'protobufjs';

let bullmqModule: typeof BullMQ | undefined;
let protobufModule: typeof Protobuf | undefined;

/** BullMQ, for the queue executor and its workers. */
export function bullmq(): typeof BullMQ {
  return (bullmqModule ??= require('bullmq') as typeof BullMQ);
}

/** protobufjs, for TensorBoard event files and ONNX export. */
export function protobufjs(): typeof Protobuf {
  return (protobufModule ??= require('protobufjs') as typeof Protobuf);
}
