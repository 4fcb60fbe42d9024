"""How a `LocalIndex` is kept on disk: generations, checksums, loading the newest good one.

A generation is a folder `gen-<ns>` of numpy arrays, ragged columns, the BM25 matrix, the vector index
and `manifest.json` (every file's size and sha256, and the manifest's own checksum). `CURRENT` names
the live one; a new one is written beside it in `.tmp-*` and swapped in atomically. Loading verifies
every file first; `load_good` falls back to the newest older generation that verifies.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .ann import IVFIndex
from .columns import CHECKSUM, Column, GenerationWriter, Ragged, VectorBlocks, Vocabulary, file_digest
from .embedding import Embedder
from .errors import IndexCorrupt, IndexWriteError
from .lexical import BM25Matrix
from .passages import PassageStrategy

FORMAT_VERSION = 3  # 3: the manifest records every file's size and checksum, and its own checksum
MANIFEST = "manifest.json"
_GENERATION = re.compile(r"gen-[0-9]{1,30}")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}")
_MANIFEST_HEAD, _MANIFEST_BODY = b'{"checksum":"', b'","manifest":'

COMPACT_RETIRED_SHARE = 0.25


def _fsync_folder(folder: Path) -> None:
    """Make a folder's entries (new files, a rename into it) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _manifest_bytes(manifest: dict) -> bytes:
    """`{"checksum":"<hex>","manifest":{...}}`: still JSON, and the checksum covers the exact bytes of
    the manifest that follows it, so a damaged manifest is told from a good one."""
    body = json.dumps(manifest, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")
    return (
        _MANIFEST_HEAD
        + hashlib.new(CHECKSUM, body).hexdigest().encode("ascii")
        + _MANIFEST_BODY
        + body
        + b"}"
    )


def _parse_manifest(raw: bytes) -> tuple[dict | None, str | None]:
    """(the manifest, None) or (None, what is wrong with it)."""
    if not raw:
        return None, "0 bytes"
    hex_length = 2 * hashlib.new(CHECKSUM).digest_size
    at = len(_MANIFEST_HEAD) + hex_length
    body_at = at + len(_MANIFEST_BODY)
    if not (raw.startswith(_MANIFEST_HEAD) and raw[at:body_at] == _MANIFEST_BODY and raw.endswith(b"}")):
        try:
            older = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            older = None
        if isinstance(older, dict) and "format" in older and "files" not in older:
            return None, f"format {older['format']!r} has no checksums (an older format)"
        return None, "not a manifest (damaged)"
    body = raw[body_at:-1]
    if hashlib.new(CHECKSUM, body).hexdigest().encode("ascii") != raw[len(_MANIFEST_HEAD) : at]:
        return None, "checksum mismatch"
    try:
        manifest = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, "not valid JSON"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        return None, f"format {found!r}, expected {FORMAT_VERSION}"
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        _FILE_NAME.fullmatch(name)
        and name != MANIFEST
        and isinstance(entry, dict)
        and isinstance(entry.get("size"), int)
        and isinstance(entry.get(CHECKSUM), str)
        for name, entry in files.items()
    ):
        return None, "no valid file checksums"
    return manifest, None


class Persistent:
    """The persistence half of `LocalIndex` (mixed in)."""

    # -- persistence -------------------------------------------------------------------------
    ROW_COLUMNS = {
        "alive": bool,
        "trl": np.int8,
        "price": np.float64,
        "division": np.int32,
        "first_passage": np.int64,
        "passage_count": np.int32,
    }
    RAGGED = {"tokens": np.int32, "text": np.uint16, "link_rows": np.int32, "mode_rows": np.int32}

    @property
    def meta(self) -> dict:
        """What the caller stored with the generation this index was loaded from or last saved as
        (`save(..., meta=...)`); `{}` when none."""
        return self._meta

    def save(self, folder: str | Path, *, embed: bool = True, meta: dict | None = None) -> Path:
        """Write a new generation and switch `CURRENT` to it atomically; keep the newest two
        generations (and the one this index was loaded from, if older: a good fallback when the
        newer one turned out damaged).

        With embed=False, documents not embedded yet are saved as pending: the loader finds them
        lexically and whoever opens the index next can embed them. `meta` (JSON) is stored in the
        manifest and comes back as `meta` after a load; None keeps the current `meta`.

        Every file is written with ordinary writes, hashed and fsynced. On any OSError (a full disk)
        the staging folder is removed, `CURRENT` and the earlier generations are left as they were,
        this index stays as it was and usable, and `IndexWriteError` (an OSError, same errno) is
        raised."""
        meta = self._meta if meta is None else meta
        if not isinstance(meta, dict):
            raise TypeError("meta must be a dict")
        meta = json.loads(json.dumps(meta))  # JSON-serialisable (TypeError if not), and a copy
        if embed:
            self.embed_pending()
        alive = self._alive.values
        if len(alive) and (~alive).mean() > COMPACT_RETIRED_SHARE:
            self.compact()
        folder = Path(folder)
        generation, previous = f"gen-{time.time_ns()}", self._generation
        tmp = pointer = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
            self._write(tmp, meta)
            _fsync_folder(tmp)
            os.replace(tmp, folder / generation)
            tmp = None
            _fsync_folder(folder)
            pointer = folder / ".CURRENT.tmp"
            with open(pointer, "w", encoding="utf-8") as fh:
                fh.write(generation)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(pointer, folder / "CURRENT")
            self._generation, self._meta = generation, meta  # committed: CURRENT names it
            _fsync_folder(folder)
        except BaseException as exc:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            if self._generation != generation:  # not committed: leave no trace of it
                shutil.rmtree(folder / generation, ignore_errors=True)
                if pointer is not None:
                    with contextlib.suppress(OSError):
                        pointer.unlink(missing_ok=True)
            if isinstance(exc, OSError) and not isinstance(exc, IndexWriteError):
                raise IndexWriteError(
                    exc.errno, f"cannot save the index in {folder}: {exc.strerror or exc}", exc.filename
                ) from exc
            raise
        keep = {generation, previous, *self.generations(folder)[:2]}
        for old in self.generations(folder):
            if old not in keep:
                shutil.rmtree(folder / old, ignore_errors=True)
        return folder / generation

    def _write(self, tmp: Path, meta: dict) -> None:
        writer = GenerationWriter(tmp)
        for name in self.ROW_COLUMNS:
            writer.array(f"{name}.npy", getattr(self, f"_{name}").values)
        for name in self.RAGGED:
            getattr(self, f"_{name}").write(writer, name)
        writer.array("owner.npy", self._owner.values)
        with writer.stream("vectors.npy", np.float32, (len(self._vectors), self.embedder.dim)) as append:
            for block in self._vectors.blocks:
                append(block)
        if self._bm25 is not None:
            self._bm25.write(writer)
        if self._ann is not None:
            self._ann.write(writer)
        vocabularies = {
            "ids": self._ids,
            "terms": self._terms.terms,
            "divisions": self._divisions.terms,
            "links": self._links.terms,
            "modes": self._modes.terms,
        }
        writer.bytes("vocabularies.json", json.dumps(vocabularies, ensure_ascii=False).encode("utf-8"))
        manifest = {
            "format": FORMAT_VERSION,
            "model_id": self.embedder.model_id,
            "strategy": asdict(self.strategy),
            "rows": len(self._ids),
            "documents": len(self),
            "passages": len(self._vectors),
            "pending": sorted(self._pending),
            "bm25_dirty": self._bm25_dirty,
            "meta": meta,
            "files": writer.files,
        }
        with open(tmp / MANIFEST, "xb") as fh:
            fh.write(_manifest_bytes(manifest))
            fh.flush()
            os.fsync(fh.fileno())

    @property
    def generation(self) -> str | None:
        return self._generation

    @classmethod
    def current_generation(cls, folder: str | Path) -> str | None:
        """What `CURRENT` names in `folder` (a `gen-*` folder beside it); None if there is no
        `CURRENT` or it does not hold a generation's name."""
        try:
            name = (Path(folder) / "CURRENT").read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return name if _GENERATION.fullmatch(name) else None

    @classmethod
    def generations(cls, folder: str | Path) -> list[str]:
        """The `gen-*` folders in `folder`, newest first (whether good or not: see `verify`)."""
        try:
            names = [p.name for p in Path(folder).iterdir() if _GENERATION.fullmatch(p.name) and p.is_dir()]
        except OSError:
            return []
        return sorted(names, key=lambda name: int(name[4:]), reverse=True)

    @classmethod
    def verify(cls, folder: str | Path, generation: str | None = None) -> list[str]:
        """What is wrong with a generation (`CURRENT`'s when None): an empty list when it is good.

        Checks that the manifest is whole (its own checksum) and of this format, and every file it
        lists for its size and checksum (reading all of it, 1 MiB at a time); a file the manifest
        does not list is a problem too. Each problem names the file:
        "gen-…/vectors.npy: checksum mismatch", "gen-…/bm25.data.npy: 0 bytes, expected 12345"."""
        folder = Path(folder)
        if generation is None:
            generation = cls.current_generation(folder)
            if generation is None:
                return [cls._pointer_problem(folder)]
        return cls._inspect(folder, generation)[1]

    @classmethod
    def load(
        cls, folder: str | Path, embedder: Embedder, *, generation: str | None = None, **options
    ) -> Persistent:
        """Open the current generation (or the named one), memory-mapping the large arrays, after
        verifying every file's size and checksum (`verify`). Raises IndexCorrupt, naming the file and
        what is wrong with it, if anything is missing, damaged or inconsistent (the caller falls back
        with `load_good` or rebuilds from the database)."""
        folder = Path(folder)
        if generation is None:
            generation = cls.current_generation(folder)
            if generation is None:
                raise IndexCorrupt(f"no index in {folder}: {cls._pointer_problem(folder)}")
        manifest, problems = cls._inspect(folder, generation)
        if problems:
            raise IndexCorrupt(f"the index in {folder} is damaged: {'; '.join(problems)}")
        return cls._open(folder, generation, manifest, embedder, options)

    @classmethod
    def load_good(cls, folder: str | Path, embedder: Embedder, **options) -> tuple[Persistent, list[str]]:
        """The current generation if it is good, else the newest older one that verifies and loads,
        with the problems found on the way (empty when the current one was good: log them). Raises
        IndexCorrupt when none is good (the caller rebuilds from the database)."""
        folder = Path(folder)
        problems: list[str] = []
        current = cls.current_generation(folder)
        older = cls.generations(folder)
        if current is None:
            problems.append(cls._pointer_problem(folder))
        else:
            older = [g for g in older if int(g[4:]) < int(current[4:])]
        for generation in ([current] if current else []) + older:
            manifest, found = cls._inspect(folder, generation)
            if not found:
                try:
                    return cls._open(folder, generation, manifest, embedder, options), problems
                except IndexCorrupt as exc:
                    found = [f"{generation}: {exc}"]
            problems.extend(found)
        raise IndexCorrupt(f"no good index generation in {folder}: {'; '.join(problems)}")

    @classmethod
    def clean(cls, folder: str | Path, older_than_s: float = 600) -> list[str]:
        """Remove staging left by interrupted saves (`.tmp-*` folders, `.CURRENT.tmp`) not written
        to for `older_than_s` seconds (a save in progress keeps writing, so it is left alone);
        returns the names removed."""
        folder, removed = Path(folder), []
        limit = time.time() - older_than_s
        try:
            entries = [p for p in folder.iterdir() if p.name.startswith(".tmp-") or p.name == ".CURRENT.tmp"]
        except OSError:
            return removed
        for path in sorted(entries):
            try:
                newest = path.lstat().st_mtime
                if path.is_dir() and not path.is_symlink():
                    newest = max([newest, *(p.lstat().st_mtime for p in path.iterdir())])
                if newest >= limit:
                    continue
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except OSError:
                continue  # gone meanwhile (another process cleaned or renamed it), or not ours
            removed.append(path.name)
        return removed

    @classmethod
    def _pointer_problem(cls, folder: Path) -> str:
        try:
            text = (folder / "CURRENT").read_bytes()
        except FileNotFoundError:
            return "CURRENT: missing"
        except OSError as exc:
            return f"CURRENT: cannot be read ({exc.strerror or exc})"
        return f"CURRENT: does not name a generation ({text[:40]!r})"

    @classmethod
    def _inspect(cls, folder: Path, generation: str) -> tuple[dict | None, list[str]]:
        """(the manifest, the problems found): see `verify`."""
        if not _GENERATION.fullmatch(generation or ""):
            return None, [f"{generation!r}: not a generation's name"]
        path = folder / generation
        if not path.is_dir():
            return None, [f"{generation}: missing"]
        try:
            raw = (path / MANIFEST).read_bytes()
        except OSError as exc:
            return None, [f"{generation}/{MANIFEST}: cannot be read ({exc.strerror or exc})"]
        manifest, problem = _parse_manifest(raw)
        if problem:
            return None, [f"{generation}/{MANIFEST}: {problem}"]
        files = manifest["files"]
        problems = []
        try:
            present = {p.name for p in path.iterdir()} - {MANIFEST}
        except OSError as exc:
            return None, [f"{generation}: cannot be listed ({exc.strerror or exc})"]
        for name in sorted(present - set(files)):
            problems.append(f"{generation}/{name}: not in the manifest")
        for name, expected in sorted(files.items()):
            where = f"{generation}/{name}"
            if name not in present:
                problems.append(f"{where}: missing")
                continue
            try:
                size = (path / name).stat().st_size
                if size != expected["size"]:
                    problems.append(f"{where}: {size} bytes, expected {expected['size']}")
                elif file_digest(path / name)[1] != expected[CHECKSUM]:
                    problems.append(f"{where}: checksum mismatch")
            except OSError as exc:
                problems.append(f"{where}: cannot be read ({exc.strerror or exc})")
        return manifest, problems

    @classmethod
    def _open(
        cls, folder: Path, generation: str, manifest: dict, embedder: Embedder, options: dict
    ) -> Persistent:
        """Read a verified generation."""
        if manifest.get("model_id") != embedder.model_id:
            raise IndexCorrupt(
                f"the index in {folder} was built with the model {manifest.get('model_id')!r}, "
                f"not {embedder.model_id!r}"
            )
        try:
            index = cls(embedder, strategy=PassageStrategy(**manifest["strategy"]), **options)
            index._read(folder / generation, manifest)
        except (OSError, ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
            raise IndexCorrupt(f"cannot read the index in {folder / generation}: {exc}") from exc
        index._generation = generation
        index._meta = manifest.get("meta") or {}
        return index

    def _read(self, generation: Path, manifest: dict) -> None:
        vocabularies = json.loads((generation / "vocabularies.json").read_text(encoding="utf-8"))
        rows, passages = manifest["rows"], manifest["passages"]
        self._ids = vocabularies["ids"]
        for name, dtype in self.ROW_COLUMNS.items():
            values = np.load(generation / f"{name}.npy")
            if values.dtype != np.dtype(dtype) or len(values) != rows:
                raise ValueError(f"{name}.npy does not match the manifest")
            setattr(self, f"_{name}", Column(dtype, values))
        for name, dtype in self.RAGGED.items():
            column = Ragged.read(generation, name, dtype)
            if len(column) != rows:
                raise ValueError(f"{name} does not match the manifest")
            setattr(self, f"_{name}", column)
        self._terms = Vocabulary(vocabularies["terms"])
        self._divisions = Vocabulary(vocabularies["divisions"])
        self._links = Vocabulary(vocabularies["links"])
        self._modes = Vocabulary(vocabularies["modes"])
        vectors = np.load(generation / "vectors.npy", mmap_mode="r")
        owner = np.load(generation / "owner.npy")
        if len(self._ids) != rows or vectors.shape != (passages, self.embedder.dim) or len(owner) != passages:
            raise ValueError(f"the index files in {generation} do not match each other")
        if len(owner) and int(owner.max()) >= rows:
            raise ValueError("a passage belongs to no document")
        self._vectors = VectorBlocks(self.embedder.dim, vectors)
        self._owner = Column(np.int64, owner)
        alive = self._alive.values
        self._position = {doc_id: i for i, doc_id in enumerate(self._ids) if alive[i]}
        if len(self._position) != manifest["documents"]:
            raise ValueError("the live documents do not match the manifest")
        if (generation / "bm25.stats.npy").exists():
            self._bm25 = BM25Matrix.read(generation)
            if self._bm25.upto > rows or self._bm25.terms > len(self._terms):
                raise ValueError("the BM25 matrix does not match the documents")
            self._bm25_dirty = manifest.get("bm25_dirty", True)
        self._ann = IVFIndex.read(generation)
        if self._ann is not None and self._ann.upto > passages:
            raise ValueError("the vector index does not match the vectors")
        self._pending = {i for i in manifest.get("pending", []) if i in self._position}
