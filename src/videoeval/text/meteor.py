"""pycocoevalcap's METEOR (meteor-1.5.jar) driven for a whole scoring run: each distinct
(hypothesis, references) line is aligned once, on one of several processes.

pycocoevalcap's ``Meteor.compute_score`` sends one ``SCORE`` line per pair (the jar answers with
the pair's statistics) and then one ``EVAL`` line holding those statistics: the jar answers with
each pair's score and with the corpus score of the summed statistics. ``SCORE`` is costly (the
alignment), and its answer depends on the pair alone: the statistics of a pair are kept and
reused wherever it appears (densevid's thresholds repeat most pairs). ``EVAL`` costs per
segment: a pair's own score is asked once per distinct statistics line, a group's corpus score
once per distinct group, from its statistics added up as the jar adds them
(``corpus_scores``). The figures are the library's, bit for bit.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from videoeval.errors import VideoevalError

# (hypothesis, references), both already PTB-tokenised
Line = tuple[str, tuple[str, ...]]

# Lines sent before their answers are read: the answers of a chunk (~100 bytes each) stay
# well under a pipe's 64 KiB, so the jar never blocks on its output while we write.
_CHUNK = 256
# A process takes ~6 s of CPU to load METEOR's paraphrase tables: another one pays off only
# when there are many lines to share out (~0.3 ms of CPU each).
LINES_PER_EXTRA_PROCESS = 30_000


# Flags of the Java VM alone (the jar and its arguments are pycocoevalcap's): the serial garbage
# collector spends less CPU beside each jar (on 2 cores the full ActivityNet run took 70 s with
# it, 75 s without); Java's arithmetic does not depend on the collector, so no figure moves.
JVM_FLAGS = ("-Xmx2G", "-XX:+UseSerialGC")


def _jar_folder() -> str:
    from pycocoevalcap.meteor import meteor

    return os.path.dirname(os.path.abspath(meteor.__file__))


def meteor_command() -> list[str]:
    """pycocoevalcap 1.2's METEOR command (``Meteor().meteor_cmd``) with ``JVM_FLAGS``."""
    from pycocoevalcap.meteor.meteor import METEOR_JAR

    return ["java", *JVM_FLAGS, "-jar", METEOR_JAR, "-", "-", "-stdio", "-l", "en", "-norm"]


def available_cores() -> int:
    """The cores this process may run on (its affinity, where the system tells)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores or 1


def default_processes(lines: int) -> int:
    """How many METEOR processes suit ``lines`` distinct lines on this machine."""
    return max(1, min(available_cores(), 4, 1 + lines // LINES_PER_EXTRA_PROCESS))


def _score_line(line: Line) -> str:
    hypothesis, references = line
    # As Meteor._stat: the jar reads "|||" as a field separator.
    hypothesis = hypothesis.replace("|||", "").replace("  ", " ")
    return " ||| ".join(("SCORE", " ||| ".join(references), hypothesis))


class MeteorPool:
    """Up to ``processes`` METEOR jars; statistics of every line asked for are kept."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = max(1, processes)
        self._idle: queue.Queue[Any] = queue.Queue()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._stats: dict[Line, str] = {}
        self._pending: dict[Line, Future[None]] = {}
        self._segment: dict[str, float] = {}
        self._background: ThreadPoolExecutor | None = None
        self._jobs: list[Future[Any]] = []

    @property
    def started(self) -> list[Any]:
        return list(self._all)

    def start(self, processes: int | None = None) -> None:
        """Starts the jars now (they load for seconds: start them before other work)."""
        with self._lock:
            if processes is not None and not self._all:
                self.processes = max(1, processes)
            while len(self._all) < self.processes:
                self._spawn()

    def _spawn(self) -> None:
        process = subprocess.Popen(meteor_command(), cwd=_jar_folder(), stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        self._all.append(process)
        self._idle.put(process)

    def _borrow(self) -> Any:
        with self._lock:
            if not self._all:
                self._spawn()
        return self._idle.get()

    def _ask(self, lines: Sequence[str], answers_per_line: Sequence[int]) -> list[str]:
        """Sends ``lines`` to one idle jar and reads ``answers_per_line`` answers for each."""
        process = self._borrow()
        try:
            process.stdin.write("".join(f"{line}\n" for line in lines).encode())
            process.stdin.flush()
            out = []
            for _ in range(sum(answers_per_line)):
                answer = process.stdout.readline()
                if not answer:
                    raise EOFError
                out.append(answer.decode().strip())
            return out
        except (EOFError, OSError):
            raise VideoevalError(
                "the METEOR process (Java) ended before answering"
                + (f": {_stderr_tail(process)}" if process.poll() is not None else "")
            ) from None
        finally:
            self._idle.put(process)

    def _score_chunk(self, chunk: list[Line]) -> None:
        answers = self._ask([_score_line(line) for line in chunk], [1] * len(chunk))
        self._stats.update(zip(chunk, answers, strict=True))
        for line in chunk:  # answered: only a failed chunk's lines stay pending (its error)
            self._pending.pop(line, None)

    def prefetch(self, lines: Iterable[Line]) -> None:
        """Starts aligning the lines not seen before, in the background."""
        new = [line for line in dict.fromkeys(lines)
               if line not in self._stats and line not in self._pending]  # fmt: skip
        if not new:
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.processes, thread_name_prefix="meteor")
            self.start()
        for i in range(0, len(new), _CHUNK):
            chunk = new[i : i + _CHUNK]
            future = self._executor.submit(self._score_chunk, chunk)
            self._pending.update(dict.fromkeys(chunk, future))

    def stats(self, lines: Sequence[Line]) -> list[str]:
        """Each line's statistics (as ``Meteor._stat`` returns them), in order."""
        self.prefetch(lines)
        for line in lines:
            if line not in self._stats:  # a line leaves _pending only once in _stats
                pending = self._pending.get(line)
                if pending is not None:
                    pending.result()  # raises what the worker raised
        return [self._stats[line] for line in lines]

    def evaluate(self, groups: Sequence[Sequence[str]]) -> list[tuple[float, list[float]]]:
        """``(corpus score, per-line scores)`` of each group of statistics: one ``EVAL`` line
        per group, exactly as ``Meteor.compute_score`` writes it."""
        todo = [(i, g) for i, g in enumerate(groups) if g]
        chunks: list[list[tuple[int, Sequence[str]]]] = [[]]
        size = 0
        for item in todo:
            if size + len(item[1]) > 1000 and chunks[-1]:
                chunks.append([])
                size = 0
            chunks[-1].append(item)
            size += len(item[1])

        def run(chunk: list[tuple[int, Sequence[str]]]) -> list[list[float]]:
            lines = ["EVAL" + "".join(f" ||| {s}" for s in g) for _, g in chunk]
            answers = [float(a) for a in self._ask(lines, [len(g) + 1 for _, g in chunk])]
            out, at = [], 0
            for _, g in chunk:
                out.append(answers[at : at + len(g) + 1])
                at += len(g) + 1
            return out

        results: list[tuple[float, list[float]]] = [(0.0, []) for _ in groups]
        if not todo:
            return results
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.processes, thread_name_prefix="meteor")
        for chunk, answers in zip(chunks, self._executor.map(run, chunks), strict=True):
            for (i, _), values in zip(chunk, answers, strict=True):
                results[i] = (values[-1], values[:-1])
        return results

    def segment_scores(self, stats: Sequence[str]) -> list[float]:
        """Each statistics line's own METEOR score, as ``EVAL`` prints it per segment: that
        score depends on the line alone, so each distinct line is sent once, many to an
        ``EVAL`` line (the jar spends far longer per segment than per line)."""
        self.wait()
        new = [s for s in dict.fromkeys(stats) if s not in self._segment]
        groups = [new[i : i + 1000] for i in range(0, len(new), 1000)]
        for group, (_, per_line) in zip(groups, self.evaluate(groups), strict=True):
            self._segment.update(zip(group, per_line, strict=True))
        return [self._segment[s] for s in stats]

    def corpus_scores(self, groups: Sequence[Sequence[str]]) -> list[float]:
        """Each group's corpus METEOR, as the last answer to ``compute_score``'s ``EVAL`` line
        of the group's statistics (0 for an empty group); equal groups (densevid's thresholds
        repeat most) are asked once.

        The jar's corpus score is ``computeMetrics`` of the segments' statistics added up by
        ``MeteorStats.addStats`` (meteor-1.5), which sums every field but leaves out the chunk
        of a segment whose hypothesis equals its reference (all words matched, one chunk). So
        each group is sent as one segment holding that sum: the same statistics, hence the
        same double, for one segment's work instead of the group's (the jar spends ~0.15 ms of
        CPU per segment of an ``EVAL`` line). The statistics are whole numbers, exact in sums."""
        self.wait()
        distinct = list(dict.fromkeys(tuple(g) for g in groups if g))
        summed = [[added_up(group)] for group in distinct]
        scores = dict(zip(distinct, (c for c, _ in self.evaluate(summed)), strict=True))
        return [scores[tuple(g)] if g else 0.0 for g in groups]

    def later(self, job: Any) -> None:
        """Runs ``job()`` on a background thread (it may wait for statistics and ask for
        scores, which it leaves in the pool's records); ``wait``, ``segment_scores`` and
        ``corpus_scores`` wait for it."""
        if self._background is None:
            self._background = ThreadPoolExecutor(1, thread_name_prefix="meteor-eval")
        self._jobs.append(self._background.submit(job))

    def wait(self) -> None:
        """Waits for the background jobs (``later``), raising what they raised."""
        if threading.current_thread().name.startswith("meteor-eval"):
            return
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            job.result()

    def close(self) -> None:
        """Ends every jar and closes its pipes. The jars end first: work still queued (an
        interrupted run) then fails at once instead of being waited for."""
        for process in self._all:
            process.kill()
            process.wait()
        for executor in (self._background, self._executor):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._background = self._executor = None
        for process in self._all:
            for pipe in (process.stdin, process.stdout, process.stderr):
                if pipe is not None:
                    with contextlib.suppress(OSError):  # unsent input to a jar that ended
                        pipe.close()
        self._all.clear()


def _exact_match(fields: list[float]) -> bool:
    # meteor-1.5 statistics: test length, reference length, 2 function-word counts, 4 stages
    # of (test content, reference content, test function, reference function) matches,
    # chunks, 2 word-match counts.
    return fields[0] == sum(fields[4:20:2]) and fields[1] == sum(fields[5:20:2]) and fields[20] == 1


def added_up(stats: Sequence[str]) -> str:
    """Statistics lines summed as ``MeteorStats.addStats`` sums them, as one line."""
    rows = [[float(v) for v in line.split()] for line in stats]
    if any(len(row) != 23 for row in rows):
        raise VideoevalError(f"unexpected METEOR statistics: {stats[0]!r}")
    for row in rows:
        if _exact_match(row):
            row[20] = 0.0  # its chunk is not added
    return " ".join(repr(sum(column)) for column in zip(*rows, strict=True))


def _stderr_tail(process: Any) -> str:
    try:
        return process.stderr.read().decode(errors="replace").strip()[-500:] or "no message"
    except (OSError, ValueError):
        return "no message"
