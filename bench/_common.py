"""What the bench and eval scripts share: where the repository and the shared data live."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
# The three shared extraction packs, in the order tables list them.
PACKS = ("wcxb-dev", "trafeval", "newspaper")
