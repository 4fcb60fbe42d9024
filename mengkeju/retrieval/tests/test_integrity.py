"""A saved index checks itself (issue 12): every file's size and checksum is in the manifest and is
verified before loading; a damaged generation falls back to the previous one; a full disk while saving
is an error that changes nothing; interrupted saves are cleaned up."""

import errno
import os
import re
import shutil
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from mengkeju.retrieval import columns
from mengkeju.retrieval.embedding import HashingEmbedder
from mengkeju.retrieval.errors import IndexCorrupt, IndexWriteError
from mengkeju.retrieval.index import Document, LocalIndex
from mengkeju.retrieval.passages import PassageStrategy

from .test_engine import DOCS

# Enough records for a (tiny) vector index, so its files are saved and checked too.
FILLERS = [Document(f"f{i}", f"草原牧草品种{i}号", f"第{i}号苜蓿与羊草混播试验。") for i in range(36)]
WHEY = "乳清蛋白陶瓷膜"
ADDED = Document("a9", "乳糖结晶回收工艺", "膜分离浓缩后冷却结晶回收乳糖。")

FILES = [
    *(f"{name}.npy" for name in LocalIndex.ROW_COLUMNS),
    *(f"{name}.{part}.npy" for name in LocalIndex.RAGGED for part in ("flat", "offsets")),
    "owner.npy",
    "vectors.npy",
    *(f"bm25.{part}.npy" for part in ("data", "indices", "indptr", "stats")),
    "ann.faiss",
    "ann.stats.npy",
    "vocabularies.json",
    "manifest.json",
]


def _new_index() -> LocalIndex:
    return LocalIndex(HashingEmbedder(), strategy=PassageStrategy("full"))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A folder with two generations: the first without ADDED (meta outbox 1), the second with it."""
    folder = tmp_path_factory.mktemp("saved") / "idx"
    index = _new_index()
    index.upsert([*DOCS, *FILLERS])
    index.refresh()
    index.build_ann()
    first = index.save(folder, meta={"outbox": 1}).name
    index.upsert([ADDED])
    second = index.save(folder, meta={"outbox": 2}).name
    return folder, first, second


@pytest.fixture
def folder(saved, tmp_path):
    """A private copy of the saved folder: (folder, first generation, second generation)."""
    source, first, second = saved
    copy = tmp_path / "idx"
    shutil.copytree(source, copy)
    return copy, first, second


def _truncate(data: bytes, name: str) -> bytes:
    return data[: len(data) // 2]


def _zero(data: bytes, name: str) -> bytes:
    return bytes(len(data))


def _scramble(data: bytes, name: str) -> bytes:
    """Same length, a few bytes XORed with a nonzero value at random offsets."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    out = bytearray(data)
    for at in rng.choice(len(out), size=min(len(out), 8), replace=False):
        out[at] ^= int(rng.integers(1, 256))
    return bytes(out)


def test_the_corruption_cases_cover_every_saved_file(folder):
    path, first, second = folder
    assert sorted(os.listdir(path / second)) == sorted(FILES)
    assert LocalIndex.generations(path) == [second, first]
    assert LocalIndex.verify(path) == [] and LocalIndex.verify(path, first) == []


@pytest.mark.parametrize("damage", [_truncate, _zero, _scramble], ids=["truncated", "zeroed", "scrambled"])
@pytest.mark.parametrize("name", FILES)
def test_a_damaged_file_is_named_and_the_previous_generation_serves(folder, name, damage):
    path, first, second = folder
    target = path / second / name
    original = target.read_bytes()
    damaged = damage(original, name)
    assert damaged != original
    target.write_bytes(damaged)

    problems = LocalIndex.verify(path)
    assert len(problems) == 1 and problems[0].startswith(f"{second}/{name}: "), problems
    if damage is _truncate and name != "manifest.json":
        assert problems[0] == f"{second}/{name}: {len(damaged)} bytes, expected {len(original)}"
    elif name != "manifest.json":
        assert problems[0] == f"{second}/{name}: checksum mismatch"
    assert LocalIndex.verify(path, first) == []

    with pytest.raises(IndexCorrupt, match=re.escape(f"{second}/{name}: ")):
        LocalIndex.load(path, HashingEmbedder())

    index, found = LocalIndex.load_good(path, HashingEmbedder())
    assert found == problems
    assert index.generation == first and index.meta == {"outbox": 1}
    assert index.search(WHEY, k=1)[0].id == "a2"
    assert index.get("a9") is None and len(index) == len(DOCS) + len(FILLERS)


def test_a_zero_byte_bm25_file_says_so(folder):
    path, _first, second = folder
    target = path / second / "bm25.data.npy"
    size = target.stat().st_size
    target.write_bytes(b"")
    assert LocalIndex.verify(path) == [f"{second}/bm25.data.npy: 0 bytes, expected {size}"]
    with pytest.raises(IndexCorrupt, match=re.escape(f"bm25.data.npy: 0 bytes, expected {size}")):
        LocalIndex.load(path, HashingEmbedder())


def test_missing_and_unexpected_files_are_problems(folder):
    path, _first, second = folder
    (path / second / "vectors.npy").unlink()
    (path / second / "stray.npy").write_bytes(b"x")
    assert LocalIndex.verify(path) == [
        f"{second}/stray.npy: not in the manifest",
        f"{second}/vectors.npy: missing",
    ]


def test_a_good_current_generation_loads_with_no_problems(folder):
    path, first, second = folder
    index, problems = LocalIndex.load_good(path, HashingEmbedder())
    assert problems == [] and index.generation == second and index.meta == {"outbox": 2}
    assert index.search("乳糖结晶", k=1)[0].id == "a9"
    older = LocalIndex.load(path, HashingEmbedder(), generation=first)
    assert older.generation == first and older.get("a9") is None


def test_a_damaged_current_pointer_falls_back_to_the_newest_good_generation(folder):
    path, _first, second = folder
    (path / "CURRENT").write_bytes(b"\x00" * 8)
    assert LocalIndex.current_generation(path) is None
    assert LocalIndex.verify(path) == [
        "CURRENT: does not name a generation (b'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00')"
    ]
    with pytest.raises(IndexCorrupt, match="CURRENT"):
        LocalIndex.load(path, HashingEmbedder())
    index, problems = LocalIndex.load_good(path, HashingEmbedder())
    assert index.generation == second and len(problems) == 1 and problems[0].startswith("CURRENT: ")


def test_no_good_generation_is_index_corrupt(folder):
    path, first, second = folder
    for generation in (first, second):
        (path / generation / "vectors.npy").write_bytes(b"")
    with pytest.raises(IndexCorrupt, match=re.escape(f"{first}/vectors.npy: 0 bytes")):
        LocalIndex.load_good(path, HashingEmbedder())
    with pytest.raises(IndexCorrupt, match="CURRENT: missing"):
        LocalIndex.load_good(path.parent / "empty", HashingEmbedder())


def test_an_older_format_without_checksums_is_corrupt(folder):
    path, _first, second = folder
    (path / second / "manifest.json").write_text('{"format": 2, "model_id": "x", "rows": 1}')
    assert LocalIndex.verify(path) == [f"{second}/manifest.json: format 2 has no checksums (an older format)"]
    with pytest.raises(IndexCorrupt, match="older format"):
        LocalIndex.load(path, HashingEmbedder())


def test_a_save_after_falling_back_keeps_the_good_generation(folder):
    path, first, second = folder
    (path / second / "vectors.npy").write_bytes(b"")
    index, _problems = LocalIndex.load_good(path, HashingEmbedder())
    third = index.save(path).name
    # The newest two are the new one and the damaged one: the one it came from is kept as well.
    assert LocalIndex.generations(path) == [third, second, first]
    assert index.meta == {"outbox": 1}  # meta=None keeps it
    fourth = index.save(path, meta={"outbox": 3}).name
    assert LocalIndex.generations(path) == [fourth, third]
    assert LocalIndex.load(path, HashingEmbedder()).meta == {"outbox": 3}


def test_meta_round_trips_and_must_be_json(tmp_path):
    index = _new_index()
    index.upsert(DOCS)
    assert index.meta == {}
    index.save(tmp_path / "idx")
    assert index.meta == {} and LocalIndex.load(tmp_path / "idx", HashingEmbedder()).meta == {}
    meta = {"outbox": 1234, "note": "乳清", "parts": [1, 2]}
    generation = index.save(tmp_path / "idx", meta=meta).name
    meta["outbox"] = 0  # a copy was stored
    assert index.meta == {"outbox": 1234, "note": "乳清", "parts": [1, 2]}
    assert LocalIndex.load(tmp_path / "idx", HashingEmbedder()).meta == index.meta
    with pytest.raises(TypeError):
        index.save(tmp_path / "idx", meta={"when": object()})
    assert LocalIndex.current_generation(tmp_path / "idx") == generation


def _age(path: Path, seconds: float) -> None:
    when = time.time() - seconds
    for p in [*path.rglob("*"), path]:
        os.utime(p, (when, when), follow_symlinks=False)


def test_clean_removes_stale_staging_and_keeps_a_save_in_progress(folder):
    path, first, second = folder
    for name in (".tmp-killed", ".tmp-fresh", ".tmp-slow"):
        (path / name).mkdir()
        (path / name / "vectors.npy").write_bytes(b"partial")
    (path / ".CURRENT.tmp").write_text(first)
    _age(path / ".tmp-killed", 700)
    _age(path / ".CURRENT.tmp", 700)
    _age(path / ".tmp-slow", 700)
    os.utime(path / ".tmp-slow" / "vectors.npy")  # still being written
    assert LocalIndex.clean(path, older_than_s=600) == [".CURRENT.tmp", ".tmp-killed"]
    assert sorted(p.name for p in path.iterdir() if p.name.startswith(".")) == [".tmp-fresh", ".tmp-slow"]
    assert LocalIndex.generations(path) == [second, first] and LocalIndex.verify(path) == []
    assert LocalIndex.clean(path, older_than_s=0) == [".tmp-fresh", ".tmp-slow"]
    assert LocalIndex.clean(path.parent / "nowhere") == []


class _FullDisk:
    """A file whose disk fills up after `room` bytes."""

    def __init__(self, fh, room: int):
        self.fh, self.room, self.written = fh, room, 0

    def write(self, data) -> int:
        if self.written + len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.fh.name)
        self.written += len(data)
        return self.fh.write(data)


def _staging(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.startswith("."))


def test_a_full_disk_while_writing_vectors_changes_nothing(folder, monkeypatch):
    path, first, second = folder
    index = LocalIndex.load(path, HashingEmbedder())
    index.upsert([Document("a10", "羊绒分梳除杂设备", "多级分梳，羊绒含杂率低于0.2%。")])
    expected = len(index._vectors) * index.embedder.dim * 4
    monkeypatch.setattr(columns, "WRITE_CHUNK", 4096)  # vectors go out in many writes
    full_disks = []
    real_init = columns._Sink.__init__

    def init(self, fh):
        real_init(self, fh)
        if Path(fh.name).name == "vectors.npy":
            self.fh = _FullDisk(fh, expected // 2)
            full_disks.append(self.fh)

    monkeypatch.setattr(columns._Sink, "__init__", init)
    with pytest.raises(IndexWriteError) as caught:
        index.save(path, meta={"outbox": 3})
    assert isinstance(caught.value, OSError) and caught.value.errno == errno.ENOSPC
    assert full_disks and 0 < full_disks[0].written < expected  # it failed midway through vectors
    assert LocalIndex.current_generation(path) == second and index.generation == second
    assert LocalIndex.generations(path) == [second, first] and LocalIndex.verify(path) == []
    assert _staging(path) == []
    assert index.meta == {"outbox": 2}
    assert index.search("羊绒分梳", k=1)[0].id == "a10" and index.search(WHEY, k=1)[0].id == "a2"
    monkeypatch.undo()  # room again: the same index saves
    third = index.save(path, meta={"outbox": 3}).name
    assert LocalIndex.load(path, HashingEmbedder()).get("a10").title == "羊绒分梳除杂设备"
    assert LocalIndex.generations(path) == [third, second]


def test_a_failure_switching_current_leaves_no_new_generation(folder, monkeypatch):
    path, first, second = folder
    index = LocalIndex.load(path, HashingEmbedder())
    real_replace = os.replace

    def replace(src, dst, **kwargs):
        if Path(dst).name == "CURRENT":
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(IndexWriteError) as caught:
        index.save(path)
    assert caught.value.errno == errno.EIO
    assert LocalIndex.generations(path) == [second, first] and LocalIndex.current_generation(path) == second
    assert _staging(path) == [] and index.generation == second


def test_saving_uses_no_writable_memory_map(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a writable memory map: a full disk would be a SIGBUS")

    monkeypatch.setattr(np.lib.format, "open_memmap", refuse)
    monkeypatch.setattr(np, "memmap", refuse)
    index = _new_index()
    index.upsert(DOCS)
    index.save(tmp_path / "idx")
    assert LocalIndex.verify(tmp_path / "idx") == []
