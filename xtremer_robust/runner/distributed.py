"""Data-parallel scoring across processes (GPUs) with torch.distributed.

Run under ``torchrun``::

    torchrun --nproc_per_node 4 -m xtremer_robust.runner.distributed MODEL_ID \
        --tasks xnli --data-dir DATA --out OUT

Each rank scores shard ``rank/world`` of every cell (the same deterministic id-hash
partition as ``score --shard``) on its own device (``cuda:LOCAL_RANK`` when there are GPUs;
the gloo backend on CPU), then the per-item rows are gathered to rank 0 with
``gather_object`` and merged exactly as ``merge-shards`` does, so no shared file system is
needed and the merged folder equals an unsharded run's.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

from xtremer_robust.atomic import atomic_write_text

__all__ = ["main", "run_rank"]


def _batch_size(text: str) -> str | int:
    """``auto`` or a positive integer (argparse turns the error into exit 2 with the message)."""
    if text == "auto" or (text.isdigit() and int(text) > 0):
        return text if text == "auto" else int(text)
    raise argparse.ArgumentTypeError(f"expected 'auto' or a positive integer, got '{text}'")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m xtremer_robust.runner.distributed", description=__doc__.splitlines()[0])
    p.add_argument("model_id")
    p.add_argument("--revision")
    p.add_argument("--tasks")
    p.add_argument("--langs")
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--subsets", type=Path)
    p.add_argument("--view")
    p.add_argument("--limit", type=int)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--batch-size", default="auto", type=_batch_size)
    p.add_argument("--dtype", default="auto")
    p.add_argument("--cache", type=Path, help="prediction cache (default: one per rank in the user cache)")
    p.add_argument("--trust-remote-code", action="store_true")
    return p


def _read_folder(folder: Path) -> dict[str, Any]:
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    files = {cell["items_file"]: (folder / cell["items_file"]).read_text(encoding="utf-8") for cell in results["cells"]}
    return {"results": results, "files": files}


def _write_folder(folder: Path, payload: dict[str, Any]) -> None:

    for rel, text in payload["files"].items():
        atomic_write_text(folder / rel, text)
    atomic_write_text(folder / "results.json", json.dumps(payload["results"], ensure_ascii=False, indent=2))


def run_rank(args: argparse.Namespace, rank: int, world: int, device: str) -> Path | None:
    """Score this rank's shard; on rank 0 return the merged results.json (None elsewhere)."""
    import torch.distributed as dist

    from xtremer_robust.models.paths import cache_root
    from xtremer_robust.runner import RunSettings, ScoreOptions, merge_shards, plan_cells, score_cells
    from xtremer_robust.tasks import parse_tasks

    langs = [x for x in (args.langs or "").split(",") if x] or None
    plans = plan_cells(parse_tasks(args.tasks), langs=langs, data_dir=args.data_dir, subsets_dir=args.subsets, view=args.view)
    batch = args.batch_size
    cache = args.cache.with_suffix(f".rank{rank}.sqlite") if args.cache else cache_root() / f"predictions.rank{rank}.sqlite"
    with tempfile.TemporaryDirectory(prefix=f"xr-rank{rank}-") as tmp:
        options = ScoreOptions(
            model_id=args.model_id, out=Path(tmp), revision=args.revision, trust_remote_code=args.trust_remote_code,
            settings=RunSettings(device=device, dtype=args.dtype, batch_size=batch), limit=args.limit,
            shard=(rank, world), cache_path=cache, explicit_tasks=args.tasks is not None,
        )
        score_cells(plans, options)
        payload = _read_folder(Path(tmp))
    gathered: list[Any] | None = [None] * world if rank == 0 else None
    dist.gather_object(payload, gathered, dst=0)
    if rank != 0:
        return None
    with tempfile.TemporaryDirectory(prefix="xr-merge-") as tmp:
        folders = []
        for index, part in enumerate(gathered or []):
            folder = Path(tmp) / f"rank-{index}"
            _write_folder(folder, part)
            folders.append(folder)
        return merge_shards(folders, args.out)


def main(argv: Sequence[str] | None = None) -> None:
    import torch
    import torch.distributed as dist

    parser = _parser()
    args = parser.parse_args(argv)
    from xtremer_robust.errors import XtremerError
    from xtremer_robust.safepaths import check_output_dir

    try:
        check_output_dir(args.out, option="--out")
        if args.cache is not None and args.cache.is_dir():
            raise XtremerError(f"--cache: '{args.cache}' is a folder; pass a file name such as predictions.sqlite")
    except XtremerError as exc:
        parser.exit(2, f"error: {exc}\n")
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    local = int(os.environ.get("LOCAL_RANK", 0))
    use_cuda = torch.cuda.is_available()
    device = f"cuda:{local}" if use_cuda else "cpu"
    if use_cuda:
        torch.cuda.set_device(local)
    dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    try:
        path = run_rank(args, rank, world, device)
        if path is not None:
            print(f"wrote {path}")
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
