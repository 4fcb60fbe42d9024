"""Backup and restore of one deployment, in one archive.

The archive (plain tar, or tar.gz when its name says so) holds:

- `database/data.jsonl`: every app's rows as Django serialized objects, one per line, read in one
  transaction (repeatable read on PostgreSQL, one read snapshot on SQLite). Primary keys are kept as
  stored; references to content types and permissions use natural keys, because those two tables are
  created by `migrate` and their ids differ between databases; they are not in the dump. The dump is
  backend-independent: a SQLite demo restores into PostgreSQL and back.
- `media/…`: the uploaded files (MEDIA_ROOT).
- `embedding-cache/…`: the embedding cache (MATCHING_CACHE_DIR), the slow part of a rebuild.
- `index/<kind>/CURRENT` and `index/<kind>/gen-…/`: each index kind's current generation only.
- `backup.json`, written last: when, which versions, the database vendor, the applied migrations, rows
  per model and the sha256 and size of every other member.

A restore checks every checksum before it changes anything, runs the migrations, replaces all rows in
one transaction, then swaps in the files prepared beside their targets; if any step fails, the
database is rolled back and the files already swapped are put back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

import mengkeju

FORMAT = 1
MANIFEST = "backup.json"
DUMP = "database/data.jsonl"
MEDIA, CACHE, INDEX = "media", "embedding-cache", "index"
# Created by `migrate` in every database (with ids of its own): left out of the dump, referenced by natural key.
NATURAL = (ContentType, Permission)
Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; nothing was changed."""


# --- the database dump --------------------------------------------------------------------------------


class _Serializer(jsonl.Serializer):
    """JSON lines; content types and permissions by natural key, every other reference by primary key
    (the keys are restored as they were, so sessions, tokens and links that name ids stay right)."""

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = field.remote_field.model in NATURAL
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = field.remote_field.model in NATURAL
        super().handle_m2m_field(obj, field)


def label(model) -> str:
    return model._meta.label_lower


def dumped_models(using: str = DEFAULT_DB_ALIAS) -> list:
    """Every concrete model of every app, in dependency order, less content types and permissions."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module is not None]
    return [
        model
        for model in serializers.sort_dependencies(app_list, allow_cycles=True)
        if not model._meta.proxy
        and model._meta.managed
        and model not in NATURAL
        and router.allow_migrate_model(using, model)
    ]


@contextmanager
def _read_snapshot(using: str):
    """One consistent view of the database for the whole dump, without blocking writers."""
    connection = connections[using]
    if connection.in_atomic_block:  # already inside a transaction (a caller's): read in it
        with transaction.atomic(using=using):
            yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        mode = connection.transaction_mode
        connection.transaction_mode = "DEFERRED"  # a reader: WAL gives it a snapshot, no write lock held
        try:
            with transaction.atomic(using=using):
                yield
        finally:
            connection.transaction_mode = mode
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _dump(stream, using: str, progress: Progress) -> dict[str, int]:
    counts: dict[str, int] = {}

    def objects() -> Iterator:
        for model in dumped_models(using):
            m2m = [f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
            queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
            if m2m:
                queryset = queryset.prefetch_related(*m2m)
            n = 0
            for obj in queryset.iterator(chunk_size=2000):
                n += 1
                yield obj
            counts[label(model)] = n
            if n:
                progress(f"  {label(model)}: {n}")

    _Serializer().serialize(objects(), stream=stream)
    return counts


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connections[using]).applied_migrations())


# --- writing the archive ------------------------------------------------------------------------------


class _Hashing:
    """A file reader that hashes what it hands out."""

    def __init__(self, fh):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def read(self, n=-1):
        data = self.fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


class _ArchiveWriter:
    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(f".{path.name}.partial")
        compressed = path.name.endswith((".tar.gz", ".tgz"))
        self.tar = tarfile.open(self.partial, "w:gz" if compressed else "w", format=tarfile.PAX_FORMAT)
        self.members: dict[str, dict] = {}

    def add(self, arcname: str, fh, size: int, mtime: float) -> None:
        info = tarfile.TarInfo(arcname)
        info.size, info.mtime, info.mode = size, int(mtime), 0o644
        reader = _Hashing(fh)
        self.tar.addfile(info, reader)  # reads exactly `size` bytes, or fails on a file that shrank
        self.members[arcname] = {"sha256": reader.sha.hexdigest(), "size": size}

    def add_file(self, arcname: str, fh) -> None:
        stat = os.fstat(fh.fileno())
        self.add(arcname, fh, stat.st_size, stat.st_mtime)

    def add_bytes(self, arcname: str, data: bytes) -> None:
        import io

        self.add(arcname, io.BytesIO(data), len(data), timezone.now().timestamp())

    def close(self) -> None:
        self.tar.close()
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        self.tar.close()
        self.partial.unlink(missing_ok=True)


def _files(top: Path, skip: set[Path]) -> list[tuple[str, Path]]:
    """(relative posix path, path) of every regular file under `top`, sorted."""
    found = []
    if not top.is_dir():
        return found
    for folder, dirs, names in os.walk(top):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and path.resolve() not in skip:
                found.append((path.relative_to(top).as_posix(), path))
    return found


def _open_all(paths: list[Path], stack: ExitStack) -> list | None:
    """Open every file now (an open file stays readable after a writer prunes it); None if one is gone."""
    handles = []
    for path in paths:
        try:
            handles.append(stack.enter_context(open(path, "rb")))
        except FileNotFoundError:
            return None
    return handles


def _open_tree(top: Path, skip: set[Path], stack: ExitStack) -> list[tuple[str, object]]:
    """Every file under `top`, opened; a file that vanished between listing and opening (a cache merge)
    makes it list again."""
    for _attempt in range(5):
        files = _files(top, skip)
        with ExitStack() as attempt:
            handles = _open_all([path for _rel, path in files], attempt)
            if handles is not None:
                stack.enter_context(attempt.pop_all())
                return [(rel, fh) for (rel, _path), fh in zip(files, handles, strict=True)]
    raise BackupError(
        _("The files in %(folder)s kept changing during the backup; try again.") % {"folder": top}
    )


def _open_index(stack: ExitStack) -> dict[str, tuple[str, list[tuple[str, object]]]]:
    """Each kind's current generation, opened: {kind: (generation, [(relative path, file)])}."""
    top = Path(settings.MATCHING_INDEX_DIR)
    opened = {}
    if not top.is_dir():
        return opened
    for folder in sorted(p for p in top.iterdir() if p.is_dir() and (p / "CURRENT").is_file()):
        for _attempt in range(5):
            generation = (folder / "CURRENT").read_text(encoding="utf-8").strip()
            files = _files(folder / generation, set())
            if not files:
                continue  # pruned by a newer save: read CURRENT again
            with ExitStack() as attempt:
                handles = _open_all([path for _rel, path in files], attempt)
                if handles is None:
                    continue
                stack.enter_context(attempt.pop_all())
                opened[folder.name] = (
                    generation,
                    list(zip([rel for rel, _p in files], handles, strict=True)),
                )
                break
        else:
            raise BackupError(
                _("The %(kind)s index kept changing during the backup; try again.") % {"kind": folder.name}
            )
    return opened


def default_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"mengkeju-{stamp}.tar"


def _never_archived(using: str, archive: Path) -> set[Path]:
    """The live SQLite files (read through the dump instead) and the archive itself."""
    skip = {archive.resolve(), archive.with_name(f".{archive.name}.partial").resolve()}
    db = connections[using].settings_dict
    if connections[using].vendor == "sqlite" and db["NAME"] and str(db["NAME"]) != ":memory:":
        name = Path(db["NAME"]).resolve()
        skip |= {name, *(name.with_name(name.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}
    return skip


def backup(path: Path | None = None, *, using: str = DEFAULT_DB_ALIAS, progress: Progress = print) -> dict:
    """Write the archive at `path` (default `VAR_DIR/backups/mengkeju-<time>.tar`); return its manifest."""
    path = Path(path) if path else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    skip = _never_archived(using, path)
    writer = _ArchiveWriter(path)
    try:
        with ExitStack() as stack, tempfile.TemporaryFile(dir=path.parent) as dump:
            progress(
                _("Reading the database (%(vendor)s) in one transaction …") % {"vendor": connection.vendor}
            )
            with _read_snapshot(using):
                migrations = applied_migrations(using)  # the first read fixes the snapshot …
                index = _open_index(stack)  # … so the index taken now is at least as new as the rows
                text = _Text(dump)
                counts = _dump(text, using, progress)
                text.flush()
            progress(
                _("%(rows)s rows in %(models)s tables.")
                % {"rows": sum(counts.values()), "models": len(counts)}
            )
            dump.seek(0)
            writer.add_file(DUMP, dump)
            media = _open_tree(Path(settings.MEDIA_ROOT), skip, stack)
            for rel, fh in media:
                writer.add_file(f"{MEDIA}/{rel}", fh)
            progress(_("%(n)s uploaded files.") % {"n": len(media)})
            cache = _open_tree(Path(settings.MATCHING_CACHE_DIR), skip, stack)
            for rel, fh in cache:
                writer.add_file(f"{CACHE}/{rel}", fh)
            progress(_("%(n)s embedding cache files.") % {"n": len(cache)})
            for kind, (generation, files) in index.items():
                for rel, fh in files:
                    writer.add_file(f"{INDEX}/{kind}/{generation}/{rel}", fh)
                writer.add_bytes(f"{INDEX}/{kind}/CURRENT", generation.encode())
                progress(
                    _("Index %(kind)s: generation %(generation)s.") % {"kind": kind, "generation": generation}
                )
        manifest = {
            "format": FORMAT,
            "created_at": timezone.localtime().isoformat(),
            "django": django.get_version(),
            "mengkeju": mengkeju.__version__,
            "database": connection.vendor,
            "migrations": migrations,
            "counts": counts,
            "index": {kind: generation for kind, (generation, _files) in index.items()},
            "members": writer.members,
        }
        writer.add_bytes(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        writer.close()
    except BaseException:
        writer.abort()
        raise
    progress(_("Backup written: %(path)s (%(size)s bytes).") % {"path": path, "size": path.stat().st_size})
    return manifest


class _Text:
    """The serializer writes text; the archive wants bytes (UTF-8)."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, text: str) -> None:
        self.fh.write(text.encode("utf-8"))

    def flush(self) -> None:
        self.fh.flush()


# --- reading and checking an archive ------------------------------------------------------------------


def _safe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        bool(parts)
        and not PurePosixPath(name).is_absolute()
        and ".." not in parts
        and (name in (MANIFEST, DUMP) or parts[0] in (MEDIA, CACHE, INDEX))
    )


def _damaged(path: Path, why: str) -> BackupError:
    return BackupError(
        _("%(path)s is damaged or not a Mengkeju backup (%(why)s); nothing was changed.")
        % {"path": path, "why": why}
    )


def _members(path: Path) -> Iterator[tuple[tarfile.TarInfo, object]]:
    """Each member of the archive with a reader, in order (streamed: a .tar.gz is read once)."""
    try:
        with tarfile.open(path, "r|*") as tar:
            for info in tar:
                if not info.isfile():
                    raise _damaged(path, _("%(name)s is not a plain file") % {"name": info.name})
                if not _safe(info.name):
                    raise _damaged(path, _("unexpected member %(name)s") % {"name": info.name})
                yield info, tar.extractfile(info)
    except FileNotFoundError as exc:
        raise BackupError(_("%(path)s does not exist.") % {"path": path}) from exc
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise _damaged(path, str(exc) or exc.__class__.__name__) from exc


def _copy(reader, out=None) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    while chunk := reader.read(1 << 20):
        sha.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return sha.hexdigest(), size


def verify(path: Path) -> dict:
    """Read the whole archive and check every member against the manifest; return the manifest."""
    path = Path(path)
    seen: dict[str, dict] = {}
    manifest = None
    try:
        for info, reader in _members(path):
            if info.name == MANIFEST:
                try:
                    manifest = json.loads(reader.read().decode("utf-8"))
                except ValueError as exc:
                    raise _damaged(path, _("unreadable manifest")) from exc
                continue
            if info.name in seen:
                raise _damaged(path, _("%(name)s appears twice") % {"name": info.name})
            seen[info.name] = dict(zip(("sha256", "size"), _copy(reader), strict=True))
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:  # a truncated or corrupt stream
        raise _damaged(path, str(exc) or exc.__class__.__name__) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(path, _("no manifest of a known format"))
    expected = manifest.get("members") or {}
    for name in sorted(set(expected) | set(seen)):
        if name not in seen:
            raise _damaged(path, _("%(name)s is missing") % {"name": name})
        if name not in expected:
            raise _damaged(path, _("%(name)s is not in the manifest") % {"name": name})
        if seen[name] != expected[name]:
            raise _damaged(path, _("the checksum of %(name)s does not match") % {"name": name})
    if DUMP not in seen:
        raise _damaged(path, _("%(name)s is missing") % {"name": DUMP})
    unknown = set(manifest.get("migrations", [])) - _known_migrations()
    if unknown:
        raise BackupError(
            _(
                "This backup was made by a newer version (migrations %(names)s are unknown here); "
                "upgrade Mengkeju first. Nothing was changed."
            )
            % {"names": ", ".join(sorted(unknown)[:5])}
        )
    return manifest


def _known_migrations() -> set[str]:
    return {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


# --- restoring ----------------------------------------------------------------------------------------


@dataclass
class _Swap:
    """A folder prepared beside its target, swapped in by rename; undone by renaming back."""

    target: Path
    staged: Path
    old: Path | None = None
    done: bool = False

    def apply(self) -> None:
        if self.target.exists():
            self.old = self.target.with_name(f".{self.target.name}.old-{uuid.uuid4().hex[:8]}")
            os.replace(self.target, self.old)
        try:
            os.replace(self.staged, self.target)
        except BaseException:
            if self.old is not None:
                os.replace(self.old, self.target)
                self.old = None
            raise
        self.done = True

    def undo(self) -> None:
        if self.done:
            os.replace(self.target, self.staged)
            if self.old is not None:
                os.replace(self.old, self.target)
            self.done = False

    def finish(self) -> None:
        if self.old is not None:
            shutil.rmtree(self.old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.staged, ignore_errors=True)


@dataclass
class _IndexSwap:
    """A restored generation written beside the live ones in `<kind>/`; `CURRENT` switched by rename,
    as the index itself does it, so a running process reloads it on its next search."""

    folder: Path
    staged: Path | None  # the generation's files, or None: the backup has no index of this kind
    generation: str = ""
    previous: str | None = None
    done: bool = False
    moved: list[Path] = field(default_factory=list)

    def apply(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        current = self.folder / "CURRENT"
        self.previous = current.read_text(encoding="utf-8").strip() if current.is_file() else None
        if self.staged is None:  # rebuilt from the restored database on first use
            if self.previous is not None:
                os.replace(current, self.folder / ".CURRENT.before-restore")
            self.done = True
            return
        self.generation = f"gen-{timezone.now().timestamp() * 1e9:.0f}"
        os.replace(self.staged, self.folder / self.generation)
        _write_pointer(self.folder, self.generation)
        self.done = True

    def undo(self) -> None:
        if not self.done:
            return
        if self.staged is None:
            if self.previous is not None:
                os.replace(self.folder / ".CURRENT.before-restore", self.folder / "CURRENT")
        else:
            if self.previous is not None:
                _write_pointer(self.folder, self.previous)
            else:
                (self.folder / "CURRENT").unlink(missing_ok=True)
            os.replace(self.folder / self.generation, self.staged)
        self.done = False

    def finish(self) -> None:
        """Keep the restored generation and the one before it (as `save` keeps two)."""
        (self.folder / ".CURRENT.before-restore").unlink(missing_ok=True)
        keep = {self.generation, self.previous}
        for old in self.folder.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        if self.staged is not None:
            shutil.rmtree(self.staged, ignore_errors=True)


def _write_pointer(folder: Path, generation: str) -> None:
    pointer = folder / ".CURRENT.restore"
    pointer.write_text(generation, encoding="utf-8")
    os.replace(pointer, folder / "CURRENT")


def _beside(target: Path, token: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restore-{token}")
    staged.mkdir()
    return staged


def _stage(path: Path, manifest: dict, workdir: Path, progress: Progress) -> list:
    """Unpack the archive: the dump into `workdir`, each folder beside its target. Checksums are
    checked again as the files are written (the archive may have changed since `verify`)."""
    token = uuid.uuid4().hex[:8]
    media = _Swap(Path(settings.MEDIA_ROOT), _beside(Path(settings.MEDIA_ROOT), token))
    cache = _Swap(Path(settings.MATCHING_CACHE_DIR), _beside(Path(settings.MATCHING_CACHE_DIR), token))
    index_dir = Path(settings.MATCHING_INDEX_DIR)
    kinds = set(manifest.get("index", {}))
    if index_dir.is_dir():
        kinds |= {p.name for p in index_dir.iterdir() if (p / "CURRENT").is_file()}
    backed_up = manifest.get("index", {})
    indexes = {
        kind: _IndexSwap(
            index_dir / kind, _beside(index_dir / kind / "gen", token) if kind in backed_up else None
        )
        for kind in sorted(kinds)
    }
    swaps = [media, cache, *indexes.values()]
    expected = manifest["members"]
    try:
        for info, reader in _members(path):
            name = info.name
            if name == MANIFEST:
                continue
            top, _sep, rest = name.partition("/")
            if name == DUMP:
                out = workdir / "data.jsonl"
            elif top == MEDIA:
                out = media.staged / rest
            elif top == CACHE:
                out = cache.staged / rest
            else:
                kind, _sep, rest = rest.partition("/")
                generation, _sep, rest = rest.partition("/")
                if rest == "" or kind not in indexes or generation != manifest["index"].get(kind):
                    continue  # CURRENT: the restore names its own generation
                out = indexes[kind].staged / rest
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "wb") as fh:
                sha, size = _copy(reader, fh)
            if expected.get(name) != {"sha256": sha, "size": size}:
                raise _damaged(path, _("the checksum of %(name)s does not match") % {"name": name})
    except BaseException:
        for swap in swaps:
            swap.discard()
        raise
    progress(_("Files unpacked beside their folders."))
    return swaps


def _replace_rows(dump: Path, using: str) -> None:
    connection = connections[using]
    kept = {model._meta.db_table for model in NATURAL}
    tables = [
        t
        for t in connection.introspection.django_table_names(only_existing=True, include_views=False)
        if t not in kept
    ]
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))
    # loaddata checks the foreign keys and resets the PostgreSQL sequences of what it loaded.
    call_command("loaddata", str(dump), database=using, verbosity=0)


def current_counts(models: list[str], using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    return {name: apps.get_model(name)._base_manager.using(using).count() for name in models}


def restore(
    path: Path, *, manifest: dict | None = None, using: str = DEFAULT_DB_ALIAS, progress: Progress = print
) -> dict[str, int]:
    """Replace the database rows, uploaded files, embedding cache and index with the archive's.
    Returns the rows per model after the restore (equal to the manifest's, or nothing changed)."""
    path = Path(path)
    if manifest is None:
        progress(_("Checking %(path)s …") % {"path": path})
        manifest = verify(path)
    progress(_("Running the migrations …"))
    call_command("migrate", database=using, interactive=False, verbosity=0)
    expected = manifest["counts"]
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=Path(settings.VAR_DIR), prefix=".restore-") as workdir:
        swaps = _stage(path, manifest, Path(workdir), progress)
        try:
            with transaction.atomic(using=using):
                progress(_("Replacing the database rows in one transaction …"))
                _replace_rows(Path(workdir) / "data.jsonl", using)
                counts = current_counts(list(expected), using)
                wrong = {name: (n, counts[name]) for name, n in expected.items() if counts[name] != n}
                if wrong:
                    raise BackupError(
                        _(
                            "Rows per model differ from the backup after loading: %(wrong)s; nothing was changed."
                        )
                        % {"wrong": ", ".join(f"{k} {a}→{b}" for k, (a, b) in sorted(wrong.items()))}
                    )
                for swap in swaps:
                    swap.apply()
        except BaseException:
            for swap in reversed(swaps):
                swap.undo()
            raise
        finally:
            for swap in swaps:
                swap.discard()
        for swap in swaps:
            swap.finish()
    progress(_("Uploaded files, embedding cache and index restored."))
    return counts
