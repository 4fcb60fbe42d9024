"""Errors the engine raises; each carries a message a person can act on."""


class EngineError(Exception):
    """Base class."""


class QueryError(EngineError, ValueError):
    """The query cannot be searched (empty, or nothing searchable in it)."""


class FilterError(EngineError, ValueError):
    """A filter names a value the index does not know, or has the wrong shape."""


class IndexCorrupt(EngineError):
    """The index folder is missing a file or a file does not match the others; rebuild it."""


class IndexWriteError(EngineError, OSError):
    """Saving the index failed (the disk is full, a permission, an I/O error): nothing was switched.

    The staging folder is removed, `CURRENT` still names the previous generation and the in-memory
    index is unchanged and usable. Carries the original `errno` (e.g. `errno.ENOSPC`)."""


class BackendUnavailable(IndexWriteError, ConnectionError):
    """The search backend (a Milvus server) cannot be reached: a search falls back to the database's
    keyword filter and says so; a write is retried by the index writer, whose outbox keeps the change
    until the backend answers again."""
