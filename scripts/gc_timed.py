"""uvicorn with the server's garbage collections counted and timed, for the load benchmark.

`python -m scripts.gc_timed FILE UVICORN-ARGUMENTS...` (from the project's root, as
`python -m uvicorn` would be run) installs a gc.callbacks hook, then runs uvicorn in this
process. On SIGUSR1 it writes FILE as JSON: how many collections each generation has had,
every full (generation 2) collection's duration in seconds, and how many times FILE has been
written. Only the benchmark starts the server this way: the directory's own code has no hook.

Figures are written when asked rather than at exit: uvicorn ends by raising SIGTERM again
once shut down, and a process killed by a signal runs no exit handlers.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any


class Collections:
    """What the collector did in this process since the hook was installed."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.full: list[float] = []  # each full collection's duration, in order
        self.written = 0
        self._started = 0.0

    def hook(self, phase: str, info: dict[str, Any]) -> None:
        # The collector holds the interpreter from "start" to "stop": no other thread's
        # collection can come between them.
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info["generation"]
        self.counts[generation] += 1
        if generation == 2:
            self.full.append(time.perf_counter() - self._started)

    def write(self, path: Path) -> None:
        self.written += 1
        figures = {"counts": self.counts, "full": self.full, "written": self.written}
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(figures))
        os.replace(partial, path)  # a reader never sees half a file


def main() -> None:
    path = Path(sys.argv[1])
    collections = Collections()
    gc.callbacks.append(collections.hook)

    def on_request(_signal: int, _frame: FrameType | None) -> None:
        collections.write(path)

    signal.signal(signal.SIGUSR1, on_request)
    sys.argv = ["uvicorn", *sys.argv[2:]]
    runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
