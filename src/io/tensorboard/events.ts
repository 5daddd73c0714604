// The protobuf messages of a TensorBoard event file, encoded with protobufjs. Only the fields
// tunenet writes are declared; names and numbers are TensorFlow's (tensorflow/core/util/
// event.proto, tensorflow/core/framework/summary.proto and histogram.proto; the same in
// tensorboard/compat/proto), so any reader of event files decodes them.
import type { Type } from 'protobufjs';
import { protobufjs } from '../../lazy';
import type { Histogram } from './histogram';

const SCHEMA = `
syntax = "proto3";
package tensorboard;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
    SessionLog session_log = 7;
  }
}

message SessionLog {
  enum SessionStatus {
    STATUS_UNSPECIFIED = 0;
    START = 1;
  }
  SessionStatus status = 1;
}

message Summary {
  message Value {
    string tag = 1;
    oneof value {
      float simple_value = 2;
      HistogramProto histo = 5;
    }
  }
  repeated Value value = 1;
}

message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}
`;

/** What TensorBoard's readers expect as the first event of a file (version 2 of event.proto). */
export const FILE_VERSION = 'brain.Event:2';

const SESSION_START = 1;

let eventType: Type | undefined;
const eventMessage = () => (eventType ??= protobufjs().parse(SCHEMA).root.lookupType('tensorboard.Event'));

/** One summary value: a scalar (stored as a float32, as TensorFlow does) or a histogram. */
export type SummaryValue = { tag: string; scalar: number } | { tag: string; histogram: Histogram };

/** What an event carries besides its time and step. */
export type EventContent =
  | { fileVersion: string }
  /** A (re)start at `step`: readers drop what earlier files recorded at this step and later. */
  | { sessionStart: true }
  | { summary: SummaryValue[] };

export interface TensorBoardEvent {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  step: number;
  content: EventContent;
}

export function encodeEvent(event: TensorBoardEvent): Uint8Array {
  const { content } = event;
  const what =
    'fileVersion' in content
      ? { fileVersion: content.fileVersion }
      : 'sessionStart' in content
        ? { sessionLog: { status: SESSION_START } }
        : { summary: { value: content.summary.map(summaryValueMessage) } };
  const EventMessage = eventMessage();
  return EventMessage.encode(EventMessage.fromObject({ wallTime: event.wallTime, step: event.step, ...what })).finish();
}

function summaryValueMessage(value: SummaryValue): object {
  return 'scalar' in value ? { tag: value.tag, simpleValue: value.scalar } : { tag: value.tag, histo: value.histogram };
}
