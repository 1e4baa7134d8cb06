"""``python -m benchmarks``: the engine's quotes per second, the functions' cold starts and the
layer's size (``python -m benchmarks.coldstart`` alone), the workflow's bench when it exists, what a
paid cancellation costs, the local stack's throughput (``python -m benchmarks.throughput``
alone), then the analytics query on a synthetic month (``python -m
benchmarks.analytics`` alone)."""

from __future__ import annotations

import importlib
import importlib.util

from benchmarks import analytics, cancellation, coldstart, engine, throughput


def main() -> None:
    engine.main()
    print()
    coldstart.main()
    # The workflow bench is another engineer's module: run it when it is there, never fake it.
    if importlib.util.find_spec("benchmarks.workflow") is not None:
        print()
        importlib.import_module("benchmarks.workflow").main()
    print()
    throughput.main()
    print()
    cancellation.main()
    print()
    analytics.main()


if __name__ == "__main__":
    main()
