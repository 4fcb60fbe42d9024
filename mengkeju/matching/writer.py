"""The one index writer: applies the outbox, embeds, saves generations, checks the index.

Run by `mengkeju worker` (the process that holds `MATCHING_INDEX_DIR/.writer.lock`); with
`MATCHING_SYNC` (tests, one-process set-ups) the process that made a change applies it at commit.

- **At least once, idempotent.** A batch of outbox rows is applied (each record re-read from the
  database), the generation saved with the outbox position it includes, and only then are the rows
  marked applied. A crash anywhere replays them.
- **Catching up.** On start, rows newer than the loaded generation's position that are marked applied
  (an older generation was served instead of a damaged one, or restored) are replayed, and every kind
  is reconciled with the database: counts and a content hash per record; drift is repaired and logged.
- **Embedding never blocks changes.** Pending passages are embedded a few at a time into the cache;
  new outbox rows are applied between chunks, so lexical search stays current.
- **Damage and full disks.** A generation that fails its checksums is skipped for the previous good one
  and the kind is rebuilt from the database; a save that fails (disk full) is logged and retried with
  back-off, the outbox rows stay unapplied until a save succeeds.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections

from mengkeju.retrieval.embedding import embed_with_cache

from . import outbox
from .adapter import KINDS, RESOURCE, IndexStore, _documents, store
from .models import IndexChange

log = logging.getLogger(__name__)

HEARTBEAT = ".writer.json"
EMBED_CHUNK = 32  # passages embedded between two looks at the outbox (≈ 2 s with e5 on 2 cores)
RECONCILE_EVERY = 600.0  # seconds between full comparisons with the database
VERIFY_EVERY = 300.0  # seconds between checksum checks of the current generations on disk
MAX_BACKOFF = 60.0


def heartbeat_path() -> Path:
    return Path(settings.MATCHING_INDEX_DIR) / HEARTBEAT


def read_heartbeat() -> dict | None:
    try:
        return json.loads(heartbeat_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def digest(doc) -> str:
    """A content hash of what the index holds for a record (the same on both sides of a comparison)."""
    if doc is None:
        return ""
    fields = [
        (doc.title or "").replace("\x1f", " "),
        doc.body or "",
        sorted(doc.chain_links or []),
        doc.division or "",
        doc.trl or None,
        sorted(doc.modes or []),
        None if doc.price is None else round(float(doc.price), 2),
    ]
    return hashlib.blake2b(json.dumps(fields, ensure_ascii=False).encode(), digest_size=16).hexdigest()


class WriterBusy(RuntimeError):
    """Another process holds the index writer lock."""


class IndexWriter:
    def __init__(self, index_store: IndexStore | None = None):
        self.store = index_store or store
        self._lock_file = None
        self._positions: dict[str, int] = {}  # kind -> outbox position of its saved generation
        self._dirty: set[str] = set()  # kinds with pending embeddings
        self._new_ids: dict[str, set[int]] = {}  # published since the last notification round
        self._failures = 0
        self._next_try = 0.0
        self._next_reconcile = 0.0
        self._next_verify = 0.0
        self._last_beat = 0.0
        self.stats = {"applied": 0, "repaired": 0, "rebuilt": 0, "save_errors": 0}

    # -- the lock ------------------------------------------------------------------------------
    def acquire(self) -> None:
        """Become the writer, or raise WriterBusy. Released when the process ends (even on kill -9)."""
        folder = Path(settings.MATCHING_INDEX_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / ".writer.lock", "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise WriterBusy(f"another process is writing the index in {folder}") from None
        self._lock_file = fh
        self.store.writer = True

    def release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
        self.store.writer = False

    # -- start-up --------------------------------------------------------------------------------
    def start(self) -> dict:
        """Load every kind (rebuilding what cannot be read), replay what the index lost, clean stale
        staging folders and reconcile with the database. Returns what was repaired per kind."""
        report = {}
        for kind in KINDS:
            folder = self.store.folder(kind)
            removed = self.store.backend.clean(folder, older_than_s=0) if folder.exists() else []
            if removed:  # the one writer starting: any staging left is from an interrupted save
                log.warning("removed %d unfinished save(s) of the %s index: %s", len(removed), kind, removed)
            if self.store.backend.current_generation(folder) is None:
                log.info("no %s index yet: building it from the database", kind)
                self._rebuild(kind)
            else:
                self.verify(kind)  # a damaged current generation is rebuilt from the database
            index = self.store.get(kind)
            position = int(index.meta.get("outbox", 0))
            self._positions[kind] = position
            replayed = outbox.replay_after(kind, position)
            if replayed:
                log.warning(
                    "the %s index holds changes up to outbox %d only: replaying %d", kind, position, replayed
                )
            if index.pending:
                self._dirty.add(kind)
            report[kind] = {"replayed": replayed, **self.reconcile(kind)}
        self._next_reconcile = time.monotonic() + RECONCILE_EVERY
        self._next_verify = time.monotonic() + VERIFY_EVERY
        self.beat(force=True)
        return report

    # -- the loop ----------------------------------------------------------------------------------
    def step(self) -> bool:
        """Do the next piece of work; False when there was nothing to do."""
        now = time.monotonic()
        if now < self._next_try:
            return False
        try:
            did = self.apply_pending() or self._embed_some() or self._upkeep(now)
        except OSError as exc:  # a full disk, a vanished folder: keep the rows, retry later
            self._failures += 1
            self.stats["save_errors"] += 1
            delay = min(MAX_BACKOFF, 2.0 ** min(self._failures, 6))
            self._next_try = time.monotonic() + delay
            log.error("could not save the search index (retrying in %.0f s): %s", delay, exc)
            return False
        self._failures = 0
        self.beat()
        return did

    def run(self, *, idle: float = 0.2, stop=lambda: False) -> None:
        while not stop():
            close_old_connections()
            if not self.step():
                time.sleep(idle)

    def apply_pending(self, *, embed: bool = False, limit: int = 5000) -> bool:
        """Apply unapplied outbox rows: one saved generation per kind, then mark them applied."""
        changes = outbox.pending(limit)
        if not changes:
            if embed:
                self._embed_all()
            return False
        by_kind: dict[str, list[IndexChange]] = {}
        for change in changes:
            by_kind.setdefault(change.kind, []).append(change)
        for kind, rows in by_kind.items():
            if kind not in KINDS:
                outbox.mark_applied([r.pk for r in rows])
                continue
            position = max(self._positions.get(kind, 0), max(r.pk for r in rows))
            meta = {"outbox": position}
            if any(r.record == IndexChange.REBUILD for r in rows) and kind != RESOURCE:
                self._rebuild(kind)
                self.stats["rebuilt"] += 1
                position = self._positions[kind]
            else:
                published = self.store.apply(kind, sorted({r.record for r in rows}), meta)
                self._new_ids.setdefault(kind, set()).update(published)
            self._positions[kind] = position
            self._dirty.add(kind)
            outbox.mark_applied([r.pk for r in rows])
            self.stats["applied"] += len(rows)
        if embed:
            self._embed_all()
        return True

    def _embed_all(self) -> None:
        for kind in list(self._dirty):
            self._finish(kind)

    def _embed_some(self) -> bool:
        """Embed up to EMBED_CHUNK uncached pending passages of one kind; when none are left, fold
        them into the index and save."""
        for kind in list(self._dirty):
            index = self.store.loaded(kind)
            if index is None or not index.pending:
                self._finish(kind)
                return True
            with index.lock():
                texts = index.pending_passages()
            cache = self.store.cache
            todo = [t for t in dict.fromkeys(texts) if cache.get(t) is None][:EMBED_CHUNK]
            if todo:
                embed_with_cache(self.store.embedder, cache, todo)
                cache.flush()
                return True
            self._finish(kind)
            return True
        return False

    def _finish(self, kind: str) -> None:
        self._dirty.discard(kind)
        if self.store.loaded(kind) is None:
            return
        new_ids = self._new_ids.pop(kind, set())
        try:
            self.store.embed_and_save(kind, {"outbox": self._positions.get(kind, 0)}, new_ids)
        except OSError:
            self._dirty.add(kind)
            self._new_ids.setdefault(kind, set()).update(new_ids)
            raise

    def _upkeep(self, now: float) -> bool:
        if now >= self._next_verify:
            self._next_verify = now + VERIFY_EVERY
            for kind in KINDS:
                self.verify(kind)
            outbox.prune()
            return True
        if now >= self._next_reconcile:
            self._next_reconcile = now + RECONCILE_EVERY
            for kind in KINDS:
                self.reconcile(kind)
            return True
        return False

    # -- checks ------------------------------------------------------------------------------------
    def verify(self, kind: str) -> list[str]:
        """Check the current generation's files against their checksums; rebuild the kind if damaged."""
        folder = self.store.folder(kind)
        problems = self.store.backend.verify(folder) if folder.exists() else ["no index saved"]
        if problems:
            log.warning(
                "the %s index on disk is damaged (%s): rebuilding it from the database",
                kind,
                "; ".join(problems),
            )
            self._rebuild(kind)
            self.stats["rebuilt"] += 1
        return problems

    def _rebuild(self, kind: str) -> None:
        """Rebuild `kind` from the database and save it. The outbox rows visible before reading the
        database are held in the rebuild, so they are marked applied (not applied a second time)."""
        held = outbox.pending_ids(kind)
        position = outbox.position()
        self.store.rebuild(kind, embed=False, meta={"outbox": position})
        outbox.mark_applied(held)
        self._positions[kind] = position
        self._dirty.add(kind)

    def reconcile(self, kind: str) -> dict:
        """Compare the index with the database (count and a content hash per record) and repair drift."""
        index = self.store.get(kind)
        wanted = {doc.id: digest(doc) for doc in _documents(kind)}
        with index.lock():
            ids = index.ids()
            held = {doc_id: digest(doc) for doc_id, doc in zip(ids, index.get_many(ids), strict=True)}
        missing = wanted.keys() - held.keys()
        extra = held.keys() - wanted.keys()
        changed = {i for i in wanted.keys() & held.keys() if wanted[i] != held[i]}
        report = {"missing": len(missing), "extra": len(extra), "changed": len(changed)}
        if missing or extra or changed:
            log.warning(
                "the %s index had drifted from the database (%d missing, %d no longer published, %d changed): "
                "repairing",
                kind,
                len(missing),
                len(extra),
                len(changed),
            )
            meta = {"outbox": self._positions.get(kind, int(index.meta.get("outbox", 0)))}
            if kind == RESOURCE:
                self.store.rebuild(kind, embed=False, meta=meta)
            else:
                self.store.apply(kind, sorted(missing | extra | changed), meta)
            self._dirty.add(kind)
            self.stats["repaired"] += len(missing) + len(extra) + len(changed)
        return report

    def beat(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_beat < 5:
            return
        self._last_beat = now
        state = {
            "pid": os.getpid(),
            "at": time.time(),
            "positions": self._positions,
            "embedding": sorted(self._dirty),
            **self.stats,
        }
        path = heartbeat_path()
        tmp = path.with_name(f".{HEARTBEAT}.{os.getpid()}")
        try:
            tmp.write_text(json.dumps(state), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a full disk: the next beat tries again
