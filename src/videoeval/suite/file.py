"""The suite file (TOML): models, benchmarks, an optional judge, read into typed records. Every
key is checked: an unknown or misspelt key is refused with its place in the file, never
ignored.

```toml
[suite]
name = "grounding sweep"         # the report's title
out = "videoeval-out/suites/x"   # default: videoeval-out/suite/<file name>
tables = ["tarsier2-grid"]       # published tables to fill: each benchmark without a protocol
                                 # is scored with the table's (`videoeval list tables`)

[[models]]
label = "qwen3-vl-8b"            # the name tables use
model = "Qwen/Qwen3-VL-8B-Instruct"
base_url = "http://localhost:8000/v1"
preset = "qwen3-vl"

[[models]]
label = "mine"
model = "./checkpoints/step-{step}"   # a checkpoint sweep: one model per step
backend = "hf"
steps = [500, 1000]

[[benchmarks]]
id = "timelens-charades"
annotations = "data/charades-timelens.json"
videos = "videos/charades"

[judge]                          # for captioning (AutoDQ); without it EventSim
model = "gpt-4o-mini"
base_url = "https://api.openai.com/v1"
api_key_env = "OPENAI_API_KEY"
```
Relative paths are read from the suite file's folder.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from videoeval.errors import InputError
from videoeval.options import (
    CacheOptions,
    ExecutorOptions,
    FrameOptions,
    GenerationOptions,
    JudgeOptions,
    LocalModelOptions,
    ModelOptions,
    ScoringOptions,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class SuiteModel:
    label: str
    model: ModelOptions
    frames: FrameOptions
    generation: GenerationOptions
    local: LocalModelOptions | None
    step: int | None = None
    """The training step of a checkpoint of a sweep (``steps`` in the file)."""
    series: str | None = None
    """The sweep this checkpoint belongs to (its label without the step)."""


@dataclass(frozen=True)
class SuiteBenchmark:
    id: str
    annotations: Path
    videos: Path
    protocol: str | None = None
    preset: str | None = None
    """A frame preset for this benchmark, over the model's frame options (TimeLens-Bench's
    evaluation budget, say)."""
    limit: int | None = None
    language: bool | None = None
    """Dense captioning: ``false`` for P/R only (no Java)."""


@dataclass(frozen=True)
class Suite:
    name: str
    out: Path
    models: tuple[SuiteModel, ...]
    benchmarks: tuple[SuiteBenchmark, ...]
    judge: JudgeOptions | None
    cache: CacheOptions
    scoring: ScoringOptions
    source: Path
    executor: ExecutorOptions = field(default_factory=ExecutorOptions)
    """Where the pairs are asked (``suite --executor``; not part of the file: where a suite runs
    does not change what it measures)."""
    tables: tuple[str, ...] = ()
    """Published tables (``data/published``) the suite fills: their protocols are the default
    of each benchmark they name, and what no benchmark fills is said before anything runs."""

    def unfilled(self) -> list[str]:
        """Each named table's columns that no benchmark of the suite fills."""
        from videoeval.report.published import tables

        have = {b.id for b in self.benchmarks}
        out = []
        for table in (t for t in tables() if t.id in self.tables):
            lacking = [c.label for c in table.columns if c.benchmark not in have]
            if lacking:
                out.append(f"{table.id}: no benchmark of the suite fills {', '.join(lacking)}")
        return out


SUITE_KEYS = {"name", "out", "cache", "bootstrap", "seed", "tables"}
BENCHMARK_KEYS = {"id", "annotations", "videos", "protocol", "preset", "limit", "language"}
MODEL_KEYS = {"label", "steps"} | {
    ("model" if f.name == "name" else f.name) for f in fields(ModelOptions)
}  # fmt: skip
MODEL_KEYS |= {f.name for f in fields(FrameOptions)} | {f.name for f in fields(GenerationOptions)}
MODEL_KEYS |= {f.name for f in fields(LocalModelOptions)}
JUDGE_KEYS = {f.name for f in fields(JudgeOptions)} - {"schema_attempts"}


def _check_keys(where: str, given: dict[str, Any], known: set[str], path: Path) -> None:
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(path, f"{where}: {', '.join(unknown)} is not a key this version reads "
                               f"(known: {', '.join(sorted(known))})")  # fmt: skip


def _path(value: Any, base: Path, where: str, path: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise InputError(path, f"{where} must be a path (a string)")
    found = Path(value).expanduser()
    return found if found.is_absolute() else base / found


def _take(kind: type, table: dict[str, Any], rename: dict[str, str] | None = None) -> Any:
    rename = rename or {}
    names = {f.name for f in fields(kind)}
    return kind(**{field: table[key] for key, field in
                   ((k, rename.get(k, k)) for k in table) if field in names})  # fmt: skip


def _models(raw: Any, path: Path, base: Path) -> list[SuiteModel]:
    if not isinstance(raw, list) or not raw:
        raise InputError(path, "names no [[models]]")
    out: list[SuiteModel] = []
    for k, table in enumerate(raw):
        where = f"models[{k}]"
        if not isinstance(table, dict) or "model" not in table:
            raise InputError(path, f'{where} needs model = "<name or checkpoint>"')
        _check_keys(where, table, MODEL_KEYS, path)
        for key in ("prompt_file", "system_file"):
            if key in table:
                table = {**table, key: str(_path(table[key], base, f"{where}.{key}", path))}
        steps = table.get("steps")
        label = str(table.get("label") or table["model"])
        backend = table.get("backend", "openai")
        local = _take(LocalModelOptions, table)
        common = {
            "frames": _take(FrameOptions, table),
            "generation": _take(GenerationOptions, table),
            "local": local if backend == "hf" else None,
        }
        if steps is None:
            out.append(SuiteModel(label, _take(ModelOptions, table, {"model": "name"}), **common))
            continue
        if not isinstance(steps, list) or not all(isinstance(s, int) for s in steps):
            raise InputError(path, f"{where}.steps must be a list of integers")
        if "{step}" not in table["model"]:
            raise InputError(path, f"{where}: with steps, model must hold {{step}}")
        for step in steps:
            named = {**table, "model": table["model"].replace("{step}", str(step))}
            model = _take(ModelOptions, named, {"model": "name"})
            out.append(SuiteModel(f"{label}@{step}", model, **common, step=step, series=label))
    labels = [m.label for m in out]
    if len(set(labels)) != len(labels):
        raise InputError(path, "two models share a label: give each its own label")
    return out


def _benchmarks(raw: Any, path: Path, base: Path) -> list[SuiteBenchmark]:
    from videoeval.benchmarks import BENCHMARKS

    if not isinstance(raw, list) or not raw:
        raise InputError(path, "names no [[benchmarks]]")
    out = []
    for k, table in enumerate(raw):
        where = f"benchmarks[{k}]"
        if not isinstance(table, dict):
            raise InputError(path, f"{where} is not a table")
        _check_keys(where, table, BENCHMARK_KEYS, path)
        for key in ("id", "annotations", "videos"):
            if key not in table:
                raise InputError(path, f"{where} needs {key}")
        if table["id"] not in BENCHMARKS:
            raise InputError(path, f"{where}: unknown benchmark {table['id']!r}; known: "
                                   f"{', '.join(BENCHMARKS)}")  # fmt: skip
        out.append(SuiteBenchmark(
            table["id"], _path(table["annotations"], base, f"{where}.annotations", path),
            _path(table["videos"], base, f"{where}.videos", path), table.get("protocol"),
            table.get("preset"), table.get("limit"), table.get("language"),
        ))  # fmt: skip
    return out


def _named_tables(raw: Any, path: Path) -> tuple[dict[str, tuple[str, str]], tuple[str, ...]]:
    """Benchmark -> (protocol, table) for the published tables the suite names."""
    from videoeval.benchmarks import BENCHMARKS
    from videoeval.report.published import tables

    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise InputError(path, "[suite].tables must be a list of table ids")
    known = {t.id: t for t in tables()}
    wanted: dict[str, tuple[str, str]] = {}
    for name in raw:
        if name not in known:
            raise InputError(path, f"[suite].tables: unknown table {name!r}; known: "
                                   f"{', '.join(known)}")  # fmt: skip
        table = known[name]
        for column in table.columns:
            if column.benchmark not in BENCHMARKS:
                continue  # a column this version cannot fill (said by Suite.unfilled)
            protocol = column.protocol or table.protocol
            earlier = wanted.setdefault(column.benchmark, (protocol, name))
            if earlier[0] != protocol:
                raise InputError(path, f"[suite].tables: {earlier[1]} scores {column.benchmark} "
                                       f"with {earlier[0]}, {name} with {protocol}: name one "
                                       "of them")  # fmt: skip
    return wanted, tuple(raw)


def _with_table_protocols(
    benchmarks: list[SuiteBenchmark], wanted: dict[str, tuple[str, str]], path: Path
) -> list[SuiteBenchmark]:
    out = []
    for k, bench in enumerate(benchmarks):
        if bench.id in wanted:
            protocol, table = wanted[bench.id]
            if bench.protocol is None:
                bench = replace(bench, protocol=protocol)
            elif bench.protocol != protocol:
                raise InputError(path, f"benchmarks[{k}] ({bench.id}): protocol "
                                       f"{bench.protocol!r} is not the one {table} scores it "
                                       f"with ({protocol}), so its figure would be left out of "
                                       "that table: drop one of them")  # fmt: skip
        out.append(bench)
    return out


def _check_judges(benchmarks: list[SuiteBenchmark], judge: Any, path: Path) -> None:
    """A benchmark graded only by a judge, in a suite without one, is refused now, not after
    the models have answered."""
    from videoeval.api.run import run_view
    from videoeval.api.score import default_protocol
    from videoeval.benchmarks import get_benchmark
    from videoeval.protocols import JUDGE, protocol_info

    if judge is not None:
        return
    for k, bench in enumerate(benchmarks):
        view = run_view(get_benchmark(bench.id), bench.protocol)
        info = protocol_info(bench.protocol) if bench.protocol else default_protocol(view, False)
        if JUDGE in info.requires:
            raise InputError(path, f"benchmarks[{k}] ({bench.id}) is scored with {info.name}, "
                                   "which a judge grades: add a [judge] table")  # fmt: skip


def read_suite(path: Path) -> Suite:
    """The suite file, checked: every key known, every benchmark registered, every label
    distinct. Nothing is run."""
    from videoeval.benchmarks.base import read_text

    try:
        data = tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not valid TOML ({exc})") from None
    base = path.resolve().parent
    _check_keys("the file", data, {"suite", "models", "benchmarks", "judge"}, path)
    head = data.get("suite", {})
    if not isinstance(head, dict):
        raise InputError(path, "[suite] is not a table")
    _check_keys("[suite]", head, SUITE_KEYS, path)
    judge = data.get("judge")
    if judge is not None:
        if not isinstance(judge, dict) or "model" not in judge:
            raise InputError(path, '[judge] needs model = "<judge model>"')
        _check_keys("[judge]", judge, JUDGE_KEYS, path)
        given: dict[str, Any] = {k: (str(v) if k == "temperature" else v) for k, v in judge.items()}
        judge = JudgeOptions(**given)
    wanted, named = _named_tables(head.get("tables", []), path)
    benchmarks = _with_table_protocols(_benchmarks(data.get("benchmarks"), path, base), wanted,
                                       path)  # fmt: skip
    _check_judges(benchmarks, judge, path)
    out = head.get("out")
    folder = (
        _path(out, base, "[suite].out", path) if out else Path("videoeval-out/suite") / path.stem
    )
    return Suite(
        name=str(head.get("name") or path.stem),
        out=folder,
        models=tuple(_models(data.get("models"), path, base)),
        benchmarks=tuple(benchmarks),
        judge=judge,
        cache=CacheOptions(
            _path(head["cache"], base, "[suite].cache", path) if "cache" in head else None
        ),
        scoring=ScoringOptions(int(head.get("bootstrap", 1000)), int(head.get("seed", 0))),
        source=path,
        tables=named,
    )
