"""The task types: what a view of a benchmark asks for. A task's protocols are in the protocol
registry; here is what a run and a reader need to know of the task itself."""

from __future__ import annotations

from dataclasses import dataclass

from videoeval.errors import UsageError


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    prompt_fields: tuple[str, ...] = ()
    """The sample fields a run's prompt template fills (``{query}``)."""
    layouts_known: bool = False
    """Prediction files of this task are recognised by their layout (``predictions/sniff.py``):
    a file of another task is refused before scoring."""


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("grounding", "temporal grounding", prompt_fields=("query",), layouts_known=True),
        Task("captioning", "detailed captioning"),
        Task("dense_captioning", "dense captioning", layouts_known=True),
        Task("audit", "GT audit"),
        Task("localization", "temporal localization (E.T. Bench TVG, EPM, TAL, EVS, VHD)"),
        Task(
            "video_qa",
            "video question answering (multiple choice, yes/no, caption matching)",
            prompt_fields=("question", "choices"),
        ),
    )
}


def register_task(task: Task) -> Task:
    if task.name in TASKS and TASKS[task.name] != task:
        raise UsageError(f"task {task.name!r} is registered already")
    TASKS[task.name] = task
    return task


def task_of(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise UsageError(f"unknown task {name!r}; known: {', '.join(TASKS)}") from None
