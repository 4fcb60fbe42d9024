"""Reaching Milvus: one `pymilvus` client per (uri, token) per process, what counts as an outage, and
saying so once. `uri` is a file path (Milvus Lite, served from this process) or http(s)://host:19530."""

from __future__ import annotations

import errno
import logging
import threading
import time

from .errors import BackendUnavailable

log = logging.getLogger("mengkeju.retrieval.milvus")
RETRY_AFTER_S = 5.0  # after a failure, calls fail at once for this long (pages stay fast)
TIMEOUT_S = 10.0
LOCAL_SCHEMES = ("http://", "https://", "tcp://", "unix:")


def _quiet_pymilvus() -> None:
    """pymilvus logs every failed call with its traceback, and each query iterator on Milvus Lite with
    a warning about timestamps; this module says once, in its own words, when Milvus is unreachable.
    (After pymilvus is imported: it configures its loggers then.)"""
    logging.getLogger("pymilvus.decorators").setLevel(logging.CRITICAL)
    logging.getLogger("pymilvus.client.iterator.query_iterator").setLevel(logging.ERROR)
    # Milvus Lite serves in this process, and answers the iterator's timestamp request with
    # "not implemented" (the iterator then uses the client's clock) through grpc's server log.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)


class Connection:
    """One client per (uri, token) per process, and whether Milvus answered last time (so a failure
    is logged once, and calls fail at once for a few seconds rather than each waiting)."""

    _lock = threading.Lock()
    _clients: dict[tuple[str, str], object] = {}
    _down: dict[str, float] = {}

    @classmethod
    def client(cls, uri: str, token: str):
        with cls._lock:
            down = cls._down.get(uri)
            if down is not None and time.monotonic() - down < RETRY_AFTER_S:
                raise BackendUnavailable(errno.ECONNREFUSED, f"Milvus at {uri} is unavailable")
            found = cls._clients.get((uri, token))
            if found is None:
                from pymilvus import MilvusClient

                _quiet_pymilvus()
                try:
                    found = MilvusClient(uri=uri, token=token, timeout=TIMEOUT_S)
                except Exception as exc:
                    raise cls.failed(uri, exc) from exc
                cls._clients[(uri, token)] = found
            return found

    @classmethod
    def failed(cls, uri: str, exc: Exception) -> BackendUnavailable:
        if uri not in cls._down:
            log.error("Milvus at %s is unavailable: %s", uri, str(exc).splitlines()[0][:300])
        cls._down[uri] = time.monotonic()
        return BackendUnavailable(errno.ECONNREFUSED, f"Milvus at {uri} is unavailable: {exc}")

    @classmethod
    def answered(cls, uri: str) -> None:
        if cls._down.pop(uri, None) is not None:
            log.warning("Milvus at %s answers again", uri)

    @classmethod
    def close(cls, uri: str | None = None) -> None:
        with cls._lock:
            for key in [k for k in cls._clients if uri is None or k[0] == uri]:
                try:
                    cls._clients.pop(key).close()
                except Exception:  # closing a dead connection
                    pass
                if not key[0].startswith(LOCAL_SCHEMES):
                    # Milvus Lite serves a file from this process and holds its lock until stopped.
                    from milvus_lite.server_manager import server_manager_instance

                    server_manager_instance.release_server(key[0])
            cls._down.clear()


def is_outage(exc: Exception) -> bool:
    """Milvus could not be reached or did not answer in time (not: it answered with an error)."""
    import grpc
    from pymilvus.exceptions import ConnectError, ConnectionNotExistException, MilvusUnavailableException

    if isinstance(exc, ConnectError | ConnectionNotExistException | MilvusUnavailableException):
        return True
    if isinstance(exc, grpc.RpcError | ConnectionError | TimeoutError):
        return True
    text = str(exc).lower()
    return any(
        s in text for s in ("fail connecting", "unavailable", "deadline", "connection refused", "timed out")
    )


def is_released(exc: Exception) -> bool:
    """A collection that exists but is not loaded into memory (after a restart)."""
    text = str(exc).lower()
    return "released" in text or "not loaded" in text or "call load()" in text


def is_missing(exc: Exception) -> bool:
    """A collection or alias that does not exist (an index to rebuild), not an outage."""
    text = str(exc).lower()
    return "not found" in text or "not exist" in text or "doesn't exist" in text
