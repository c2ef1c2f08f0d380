"""Progress of a long management command: a bar on a terminal (tqdm), a plain line
every tenth of the way otherwise (logs, CI), so a run at 100,000 posts shows it is
alive either way."""

from __future__ import annotations

from typing import TextIO

from tqdm import tqdm


class Progress:
    def __init__(self, total: int, what: str, stream: TextIO) -> None:
        self.total = total
        self.what = what
        self.stream = stream
        self.done = 0
        self.reported_tenths = 0
        interactive = getattr(stream, "isatty", lambda: False)()
        self.bar = (
            tqdm(total=total, desc=what, unit="post", file=stream, leave=False)
            if interactive and total
            else None
        )

    def advance(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
            return
        tenths = self.done * 10 // self.total if self.total else 10
        if tenths > self.reported_tenths:
            self.reported_tenths = tenths
            self.stream.write(f"{self.what}: {self.done:,} of {self.total:,}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
