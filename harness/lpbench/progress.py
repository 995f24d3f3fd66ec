"""Progress on stderr: rich bars on a terminal, plain lines otherwise, nothing with --quiet."""

from __future__ import annotations

import sys
import time


class Reporter:
    def __init__(self, total: int, quiet: bool = False, stream=None):
        self.total = total
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.rich = (not quiet) and self.stream.isatty()
        self._progress = None
        self._grid_task = None
        self._run_task = None
        self._current = None
        self._last_line = 0.0
        self.finished = 0

    def __enter__(self):
        if self.rich:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[info]}"),
                console=Console(file=self.stream),
                transient=False,
            )
            self._progress.start()
            self._grid_task = self._progress.add_task("grid", total=self.total, info="")
        return self

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()

    def step(self, spec, step: int, total: int, row: dict) -> None:
        if self.quiet:
            return
        if "phase" in row:  # after training: which metric (or the figures) runs, and how far it is
            return self._phase(spec, str(row["phase"]), step, total, str(row.get("info") or ""))
        info = " ".join(f"{k}={v:.4g}" for k, v in row.items() if k != "step")
        if self._progress is not None:
            if self._current != spec:
                if self._run_task is not None:
                    self._progress.remove_task(self._run_task)
                self._run_task = self._progress.add_task(spec.label, total=total, info="")
                self._current = spec
            self._progress.update(self._run_task, completed=step, info=info)
            return
        now = time.monotonic()
        if self._current != spec:  # the ETA of plain lines: from this run's first reported step
            self._current, self._run_start = spec, (now, step)
        if now - self._last_line >= 5.0 or step >= total:  # a line every few seconds is readable in logs
            self._last_line = now
            t0, s0 = self._run_start
            eta = f" eta {(now - t0) / (step - s0) * (total - step):.0f}s" if step > s0 and step < total else ""
            print(f"[{spec.label}] step {step}/{total}{eta} {info}", file=self.stream, flush=True)

    def _phase(self, spec, phase: str, done: float, total: float, info: str) -> None:
        """One phase of a run after its training (``evaluating pag (6/6)``, ``drawing figures``):
        a line as soon as it starts, then one every few seconds with its ETA (a bar on a terminal)."""
        key = (spec, phase)
        now = time.monotonic()
        if self._progress is not None:
            if self._current != key:
                if self._run_task is not None:
                    self._progress.remove_task(self._run_task)
                self._run_task = self._progress.add_task(f"{spec.label}: {phase}", total=total, info="")
                self._current = key
            self._progress.update(self._run_task, total=total, completed=done, info=info)
            return
        started = self._current != key
        if started:
            self._current, self._run_start = key, (now, done)
        if started or now - self._last_line >= 5.0:
            self._last_line = now
            t0, d0 = self._run_start
            eta = f" eta {(now - t0) / (done - d0) * (total - done):.0f}s" if done > d0 and done < total else ""
            print(f"[{spec.label}] {phase}{eta}{' ' + info if info else ''}", file=self.stream, flush=True)

    def done(self, spec, record: dict) -> None:
        self.finished += 1
        if self.quiet:
            return
        status = "skipped (already completed)" if record.get("skipped") else record["status"]
        if self._progress is not None:
            self._progress.update(self._grid_task, completed=self.finished)
            if self._run_task is not None:
                self._progress.remove_task(self._run_task)
                self._run_task, self._current = None, None
            self._progress.console.print(f"{spec.label}: {status}")
        else:
            print(f"[{self.finished}/{self.total}] {spec.label}: {status}", file=self.stream, flush=True)

    def summary(self, results) -> None:
        if self.quiet:
            return
        from rich.console import Console
        from rich.table import Table

        t = Table("model", "dataset", "budget", "seed", "status", "detail", title="lpbench run")
        for r in results:
            status = "skipped" if r.get("skipped") else r["status"]
            detail = r.get("error") or ", ".join(f"{k}={v:.4g}" for k, v in (r.get("metrics") or {}).items())
            t.add_row(r["model"], r["dataset"], r["budget"], str(r["seed"]), status, detail)
        Console(file=self.stream, width=max(100, Console(file=self.stream).width)).print(t)
