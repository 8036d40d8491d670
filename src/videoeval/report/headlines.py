"""Which figures of a metrics.json lead: the protocol's headline, else its task's."""

from __future__ import annotations

from videoeval.schema import MetricsReport

_CAPTIONS = "F1 precision recall object_F1 EventSim-F1 EventSim-precision EventSim-recall"
_DENSE = (
    "precision recall F1 METEOR CIDEr SODA_c SODA_c_per_reference DVC_F1 DVC_Sim SLC_F1 SLC_Sim"
)
BY_TASK: dict[str, tuple[str, ...]] = {
    "grounding": ("R1@0.3", "R1@0.5", "R1@0.7", "mIoU", "mAP"),
    "captioning": tuple(_CAPTIONS.split()),
    "dense_captioning": tuple(_DENSE.split()),
    "audit": ("loose_rate", "consensus_rate", "tight_rate", "span_wrong_rate", "F1_video"),
}


def headline_names(protocol: str, task: str) -> tuple[str, ...]:
    from videoeval.protocols import REGISTRY

    info = REGISTRY.get(protocol)
    if info is not None and info.headline:
        return info.headline
    return BY_TASK.get(task, ())


def headline_metrics(report: MetricsReport) -> list[str]:
    """The headline names this report has, in the protocol's order."""
    return [n for n in headline_names(report.protocol, report.task) if n in report.metrics]
