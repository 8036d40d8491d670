"""The two SODA_c aggregations, by name (kept apart from the scorer so that listing the
protocols needs no numpy)."""

from __future__ import annotations

from typing import Literal

SodaAverage = Literal["videos", "corpus"]
SODA_AVERAGES: dict[str, str] = {
    "videos": "fujiso/SODA @ 9cb3e2c (v1.1; PDVC's eval_soda): p, r, F1 per video, then the mean",
    "corpus": "fujiso/SODA @ 356ec65 / 22671b3: DP scores and counts summed, one F1 at the end",
}
