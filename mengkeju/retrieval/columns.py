"""Compact, append-only storage for the index: numeric columns, ragged rows, vector blocks.

At a million documents, Python objects per document (lists of tokens, `Document`s) cost several
gigabytes; these columns keep the same information in numpy arrays. Each column has a *base*
(possibly a read-only memory map of a saved generation) and appended rows; saving writes both into
one file per array, written chunk by chunk so nothing large is copied in memory.

Files are written by `GenerationWriter`: ordinary buffered writes, never a writable memory map (a full
disk while writing through a map is a SIGBUS that kills the process; through `write()` it is an
`OSError` with `errno.ENOSPC`), each file hashed as it is written and fsynced, so the manifest can
record every file's size and checksum and a reader can verify them (`file_digest`) before trusting
the bytes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

CHECKSUM = "sha256"  # hashlib's OpenSSL sha256 (SHA-NI): ≈ 1.4 GB/s here, blake2b ≈ 0.6 GB/s
READ_CHUNK = 1 << 20  # verification streams files 1 MiB at a time
WRITE_CHUNK = 16 << 20  # bytes per write() call: a large array is never copied whole


def file_digest(path: Path) -> tuple[int, str]:
    """(size in bytes, hex checksum) of a file, read 1 MiB at a time."""
    digest, size = hashlib.new(CHECKSUM), 0
    buffer = bytearray(READ_CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buffer):
            digest.update(view[:n])
            size += n
    return size, digest.hexdigest()


def _as_bytes(array: np.ndarray) -> memoryview:
    """The bytes of a C-contiguous array, without a copy (a read-only memory map is read as written)."""
    flat = array.reshape(-1)
    return memoryview(flat.view(np.uint8)) if flat.size else memoryview(b"")


class _Sink:
    """An open file that hashes and counts what is written to it."""

    def __init__(self, fh):
        self.fh, self.digest, self.size = fh, hashlib.new(CHECKSUM), 0

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        for at in range(0, len(view), WRITE_CHUNK):
            piece = view[at : at + WRITE_CHUNK]
            self.fh.write(piece)
            self.digest.update(piece)
        self.size += len(view)
        return len(view)

    def array(self, values: np.ndarray) -> None:
        self.write(_as_bytes(np.ascontiguousarray(values)))


class GenerationWriter:
    """Writes the files of one generation into a staging folder and records, for the manifest, each
    file's size and checksum (`files`: name → {"size": …, "sha256": …}).

    Every file goes through ordinary buffered writes and is fsynced when complete; any failure is an
    `OSError` from the write (the caller removes the staging folder)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.files: dict[str, dict] = {}

    @contextmanager
    def open(self, name: str) -> Iterator[_Sink]:
        if name in self.files or "/" in name or name.startswith("."):
            raise ValueError(f"cannot write {name!r} twice or outside the generation")
        with open(self.folder / name, "xb") as fh:
            sink = _Sink(fh)
            yield sink
            fh.flush()
            os.fsync(fh.fileno())
        self.files[name] = {"size": sink.size, CHECKSUM: sink.digest.hexdigest()}

    def bytes(self, name: str, data: bytes) -> None:
        with self.open(name) as sink:
            sink.write(data)

    def array(self, name: str, values: np.ndarray) -> None:
        """`name` as a .npy file (what `np.save` writes)."""
        values = np.asarray(values)
        with self.stream(name, values.dtype, values.shape) as append:
            append(values)

    @contextmanager
    def stream(self, name: str, dtype, shape: tuple) -> Iterator[Callable[[np.ndarray], None]]:
        """A .npy file of known dtype and shape written block by block (blocks along the first axis):
        yields `append(block)`; checks at the end that exactly `shape` was written."""
        dtype = np.dtype(dtype)
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": tuple(shape)}
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        with self.open(name) as sink:
            np.lib.format.write_array_header_1_0(sink, header)
            start = sink.size

            def append(block: np.ndarray) -> None:
                sink.array(np.asarray(block, dtype=dtype))

            yield append
            if sink.size - start != expected:
                raise ValueError(f"{name}: wrote {sink.size - start} bytes of data, expected {expected}")


class Vocabulary:
    """Strings ↔ dense integer ids, in order of first appearance."""

    def __init__(self, terms: list[str] | None = None):
        self.terms: list[str] = list(terms or [])
        self.ids: dict[str, int] = {t: i for i, t in enumerate(self.terms)}

    def __len__(self) -> int:
        return len(self.terms)

    def add(self, term: str) -> int:
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def encode(self, terms, *, add: bool = True) -> np.ndarray:
        if add:
            return np.fromiter((self.add(t) for t in terms), dtype=np.int32)
        return np.fromiter((self.ids[t] for t in terms if t in self.ids), dtype=np.int32)


class Column:
    """A growable 1-D numpy array (small per-row facts: maturity, price, division, liveness)."""

    def __init__(self, dtype, values: np.ndarray | None = None):
        values = np.zeros(0, dtype=dtype) if values is None else np.array(values, dtype=dtype)
        self._buffer, self._n = values, len(values)

    def __len__(self) -> int:
        return self._n

    @property
    def values(self) -> np.ndarray:
        return self._buffer[: self._n]

    def append(self, value) -> None:
        if self._n == len(self._buffer):
            grown = np.empty(max(16, int(self._n * 1.5)), dtype=self._buffer.dtype)
            grown[: self._n] = self._buffer[: self._n]
            self._buffer = grown
        self._buffer[self._n] = value
        self._n += 1

    def extend(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=self._buffer.dtype)
        end = self._n + len(values)
        if end > len(self._buffer):
            grown = np.empty(max(end, int(self._n * 1.5)), dtype=self._buffer.dtype)
            grown[: self._n] = self._buffer[: self._n]
            self._buffer = grown
        self._buffer[self._n : end] = values
        self._n = end

    def __setitem__(self, index, value) -> None:
        self.values[index] = value


class Ragged:
    """Variable-length rows of one dtype (tokens, text, link ids): a CSR base plus appended rows.

    Appended rows are kept as `bytes` (one small object each) until `consolidate()` folds them into
    the base; readers that took `snapshot()` keep seeing a consistent view meanwhile."""

    def __init__(self, dtype, flat: np.ndarray | None = None, offsets: np.ndarray | None = None):
        self.dtype = np.dtype(dtype)
        self.flat = np.zeros(0, dtype=self.dtype) if flat is None else flat
        self.offsets = np.zeros(1, dtype=np.int64) if offsets is None else offsets
        self.extra: list[bytes] = []
        self._row_of_flat: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.offsets) - 1 + len(self.extra)

    @property
    def base_rows(self) -> int:
        return len(self.offsets) - 1

    def append(self, values) -> None:
        self.extra.append(values if isinstance(values, bytes) else np.asarray(values, self.dtype).tobytes())

    def row(self, i: int) -> np.ndarray:
        base = self.base_rows
        if i < base:
            return np.asarray(self.flat[self.offsets[i] : self.offsets[i + 1]])
        return np.frombuffer(self.extra[i - base], dtype=self.dtype)

    def lengths(self) -> np.ndarray:
        extra = np.fromiter((len(b) // self.dtype.itemsize for b in self.extra), dtype=np.int64)
        return np.concatenate([np.diff(self.offsets), extra])

    def chunks(self, rows: int, size: int = 50_000) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(first row, flat values, offsets from 0) for rows [0, rows), `size` rows at a time."""
        base, extra = self.base_rows, self.extra
        for start in range(0, rows, size):
            end = min(rows, start + size)
            pieces, lengths = [], []
            if start < base:
                stop = min(end, base)
                lo, hi = int(self.offsets[start]), int(self.offsets[stop])
                pieces.append(np.asarray(self.flat[lo:hi]))
                lengths.append(np.diff(self.offsets[start : stop + 1]))
            if end > base:
                blobs = extra[max(start, base) - base : end - base]
                pieces.append(np.frombuffer(b"".join(blobs), dtype=self.dtype))
                lengths.append(np.fromiter((len(b) // self.dtype.itemsize for b in blobs), dtype=np.int64))
            flat = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
            offsets = np.concatenate([[0], np.cumsum(np.concatenate(lengths))]).astype(np.int64)
            yield start, flat, offsets

    def consolidate(self) -> None:
        if not self.extra:
            return
        flats, offsets = [], []
        for _start, flat, off in self.chunks(len(self)):
            flats.append(flat)
            offsets.append(off[1:] + (offsets[-1][-1] if offsets else 0))
        self.flat = np.concatenate(flats) if flats else np.zeros(0, self.dtype)
        self.offsets = np.concatenate([np.zeros(1, np.int64), *offsets])
        self.extra = []
        self._row_of_flat = None

    def rows_containing(self, wanted: np.ndarray, rows: int) -> np.ndarray:
        """Boolean mask over `rows` rows: which rows hold any of the `wanted` values."""
        if len(self.extra) > 256:
            self.consolidate()
        mask = np.zeros(rows, dtype=bool)
        if not len(wanted):
            return mask
        base = self.base_rows
        if self._row_of_flat is None or len(self._row_of_flat) != len(self.flat):
            self._row_of_flat = np.repeat(np.arange(base, dtype=np.int32), np.diff(self.offsets))
        mask[self._row_of_flat[np.isin(self.flat, wanted)]] = True
        for j, blob in enumerate(self.extra):
            if np.isin(np.frombuffer(blob, dtype=self.dtype), wanted).any():
                mask[base + j] = True
        return mask

    # -- files ---------------------------------------------------------------------------------
    def write(self, writer: GenerationWriter, name: str, rows: np.ndarray | None = None) -> None:
        """Write rows (all, or the given row numbers in order) as `name.flat.npy` + `name.offsets.npy`."""
        lengths = self.lengths()
        if rows is not None:
            lengths = lengths[rows]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        writer.array(f"{name}.offsets.npy", offsets)
        with writer.stream(f"{name}.flat.npy", self.dtype, (int(offsets[-1]),)) as append:
            if rows is None:
                for _start, chunk, _off in self.chunks(len(self)):
                    append(chunk)
            else:
                for row in rows:
                    append(self.row(int(row)))

    @classmethod
    def read(cls, folder: Path, name: str, dtype) -> Ragged:
        offsets = np.load(folder / f"{name}.offsets.npy")
        flat = np.load(folder / f"{name}.flat.npy", mmap_mode="r")
        if flat.dtype != np.dtype(dtype) or len(offsets) < 1 or int(offsets[-1]) != len(flat):
            raise ValueError(f"{name}: offsets and values do not match")
        return cls(dtype, flat, offsets)


class VectorBlocks:
    """Passage vectors as a list of 2-D blocks: appending never copies the existing matrix, and the
    first block may be a read-only memory map of a saved generation."""

    MERGE_TAIL_AT = 16
    SMALL_BLOCK = 65_536

    def __init__(self, dim: int, base: np.ndarray | None = None):
        self.dim = dim
        self.blocks: list[np.ndarray] = [base] if base is not None and len(base) else []
        self._starts = self._compute_starts()

    def _compute_starts(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum([len(b) for b in self.blocks])]).astype(np.int64)

    def __len__(self) -> int:
        return int(self._starts[-1])

    def append(self, vectors: np.ndarray) -> None:
        if not len(vectors):
            return
        self.blocks.append(np.ascontiguousarray(vectors, dtype=np.float32))
        small = 0  # many small updates: merge the trailing small blocks (large ones are never copied)
        while small < len(self.blocks) - 1 and len(self.blocks[-1 - small]) < self.SMALL_BLOCK:
            small += 1
        if small > self.MERGE_TAIL_AT:
            self.blocks[-small:] = [np.concatenate(self.blocks[-small:])]
        self._starts = self._compute_starts()

    def scores(self, query: np.ndarray, start: int = 0) -> np.ndarray:
        """query · every passage vector from passage `start` on."""
        out = []
        for block, first in zip(self.blocks, self._starts[:-1], strict=True):
            if first + len(block) <= start:
                continue
            skip = max(0, start - int(first))
            out.append(np.asarray(block[skip:]) @ query)
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def gather(self, passages: np.ndarray) -> np.ndarray:
        passages = np.asarray(passages, dtype=np.int64)
        out = np.empty((len(passages), self.dim), dtype=np.float32)
        which = np.searchsorted(self._starts, passages, side="right") - 1
        for b in np.unique(which):
            sel = which == b
            out[sel] = self.blocks[b][passages[sel] - self._starts[b]]
        return out

    def chunks(self, end: int, size: int = 100_000) -> Iterator[np.ndarray]:
        for start in range(0, end, size):
            yield self.gather(np.arange(start, min(end, start + size)))
