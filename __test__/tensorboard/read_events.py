"""Reads a TensorBoard log directory with TensorBoard's own readers and prints it as JSON.

Usage: read_events.py <logDir>

For every run (a subdirectory holding event files):
  files:      each event file in the order TensorBoard reads them, with what its first record
              carries (EventFileLoader, TensorBoard's raw record reader) and the number of events;
  fileVersion, scalars {tag: [[step, wallTime, value]]}, histograms {tag: [{step, min, max, num,
              sum, sumSquares, bucketLimit, bucket}]}: what EventAccumulator (the loader behind
              TensorBoard's dashboards, orphaned-data purging included) makes of the run.
"""
import json
import logging
import os
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

KEEP_ALL = {"scalars": 0, "histograms": 0}


def read_file(path):
    events = list(EventFileLoader(path).Load())
    first = events[0] if events else None
    return {
        "name": os.path.basename(path),
        "firstKind": first.WhichOneof("what") if first else None,
        "firstFileVersion": first.file_version if first else None,
        "events": len(events),
    }


def read_run(run_dir):
    acc = EventAccumulator(run_dir, size_guidance=KEEP_ALL)
    acc.Reload()
    tags = acc.Tags()
    return {
        "files": [read_file(os.path.join(run_dir, f)) for f in sorted(os.listdir(run_dir)) if "tfevents" in f],
        "fileVersion": acc.file_version,
        "scalars": {t: [[e.step, e.wall_time, e.value] for e in acc.Scalars(t)] for t in tags["scalars"]},
        "histograms": {
            t: [
                {
                    "step": e.step,
                    "min": e.histogram_value.min,
                    "max": e.histogram_value.max,
                    "num": e.histogram_value.num,
                    "sum": e.histogram_value.sum,
                    "sumSquares": e.histogram_value.sum_squares,
                    "bucketLimit": list(e.histogram_value.bucket_limit),
                    "bucket": list(e.histogram_value.bucket),
                }
                for e in acc.Histograms(t)
            ]
            for t in tags["histograms"]
        },
    }


def main():
    # A resumed run's purge of older events is expected here; the tests check its result.
    logging.getLogger("tensorboard").setLevel(logging.ERROR)
    log_dir = sys.argv[1]
    runs = sorted(d for d in os.listdir(log_dir) if os.path.isdir(os.path.join(log_dir, d)))
    json.dump({run: read_run(os.path.join(log_dir, run)) for run in runs}, sys.stdout)


if __name__ == "__main__":
    main()
