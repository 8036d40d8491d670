"""YouCook2 dense video captioning: 457 validation videos of cooking procedures, each step a
timed caption.

File layout: PDVC's densevid copy (``yc2_val.json``, copy: ttengwang/PDVC @ 0b025c8 :
data/yc2/captiondata/yc2_val.json), ``{vid: {"duration", "timestamps": [[s, e], ...],
"sentences": [...]}}``: the ActivityNet Captions layout with one reference file. PDVC scores it
with the same densevid_eval3 + SODA scripts as ActivityNet Captions, so the same protocols apply.
"""

from __future__ import annotations

from videoeval.benchmarks.activitynet_captions import load_timed
from videoeval.benchmarks.base import Benchmark, View

HINT = "yc2_val.json (densevid / PDVC layout, one reference file)"
BENCHMARK = Benchmark(
    id="youcook2",
    title="YouCook2 dense video captioning (val, 457 videos)",
    views=(
        View("dense_captioning", load_timed, "densevid-2018", HINT, prompt="dense_default.txt"),
        View("audit", load_timed, "timed", HINT),
    ),
    facts={
        "published_samples": {"dense_captioning": [457], "audit": [457]},
        "known_files": [
            {
                "sha256": "8b78420881c40e7fbd0395abdb00edea5113e59094be65488955ff149c4b4288",
                "copy": "ttengwang/PDVC @ 0b025c8 : data/yc2/captiondata/yc2_val.json",
            },
        ],
    },
)
