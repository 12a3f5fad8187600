"""Measuring the engine against human codes on a dataset folder (``surveycoder eval``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def evaluation_report(dataset_dir: str | Path, *, modes: Sequence[str] = ("a", "b", "c"),
                      limit: int | None = None) -> str:
    """Agreement with the human codes of ``dataset_dir`` (responses.jsonl, codebook.json) in each mode,
    as plain-text tables. Nothing is stored."""
    from surveycoder_core.evaluation.harness import evaluate_dataset, format_report

    return format_report(evaluate_dataset(Path(dataset_dir), modes=list(modes), limit=limit))


__all__ = ["evaluation_report"]
