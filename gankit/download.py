"""Downloading a file without ever hanging: bounded in time and size, checked, written atomically.

Every download of the package goes through :func:`download` (MNIST and Fashion-MNIST in
:mod:`gankit.data`, VGG19's weights in :mod:`gankit.perceptual`). It never uses
``keras.utils.get_file``, which waits forever on a network that accepts connections and never
answers. A download:

* gives up when nothing arrives for ``timeout`` seconds (connect and every read), when no
  response has started within ``2 * timeout`` seconds (this also bounds a hanging DNS lookup,
  which socket timeouts do not cover: the transfer runs in a worker thread), or after
  ``max(2 * timeout, total_s)`` seconds in all;
* stops a server that sends more than ``max_bytes``;
* writes to a temporary file beside ``dest`` and moves it into place with ``os.replace`` only
  after its SHA-256 / MD5 match, so ``dest`` never holds a partial or wrong file;
* is not tried again for :data:`RETRY_AFTER_S` seconds after it failed (one wait per session,
  not one per call); :func:`forget_failures` clears that memory.

Why not ``pooch`` (the downloader scikit-image and SciPy use): it checks hashes and moves a finished
file into place as this module does, but its ``HTTPDownloader(timeout=...)`` hands the timeout to
``requests``, which bounds the connection and each read but not a hanging DNS lookup nor the whole
transfer; it has no size cap and would try a dead server again on every call. Those four are what
keep a learner's notebook from hanging offline, so they would have to be wrapped around pooch
anyway, and the hash check and atomic move that pooch would add are twenty lines here. The module
needs nothing beyond the standard library (one dependency fewer to install on Colab).

Failures raise :class:`DownloadError` whose message is a one-line reason ("unreachable (connection
refused)", "too slow (gave up after 120 s)", ...). ``GANKIT_OFFLINE=1`` is read by
:func:`offline_mode`: callers check it before downloading at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any, Iterator

from gankit import checks

__all__ = [
    "DownloadError", "ChecksumError", "RETRY_AFTER_S", "atomic_write", "download", "forget_failures", "offline_mode"
]

RETRY_AFTER_S = 300.0
"""Seconds during which a failed download (same URL) is not tried again in this process."""

_CHUNK = 1 << 16
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
_FAILURES: dict[str, tuple[float, str]] = {}  # url -> (when, why)


class DownloadError(RuntimeError):
    """A download failed; the message is a one-line reason."""


class ChecksumError(DownloadError):
    """The server sent a file whose SHA-256 or MD5 is not the expected one (e.g. a captive portal's page)."""


class _Cancelled(Exception):
    """The caller gave up on the worker; its temporary file is deleted."""


def offline_mode() -> bool:
    """True when ``GANKIT_OFFLINE`` says the network must not be used (``1``, ``true``, ``yes``, ``on``).

    Raises:
        ValueError: on a value that is neither on (``1``...) nor off (unset, ``0``, ``false``...).
    """
    value = os.environ.get("GANKIT_OFFLINE", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"GANKIT_OFFLINE={value!r} is not understood; use GANKIT_OFFLINE=1 (no network) or "
        "GANKIT_OFFLINE=0 / unset it."
    )


def forget_failures() -> None:
    """Forgets every failed download, so the next call of :func:`download` tries the network again."""
    _FAILURES.clear()


def probe(url: str, timeout: float = 3.0) -> str | None:
    """Whether ``url``'s server answers a ``HEAD`` request within ``2 * timeout`` seconds, DNS included.

    Returns:
        ``None`` when it answers with a success or redirect status, else a one-line reason
        (offline mode, no answer, an HTTP error code).
    """
    timeout = checks.number(timeout, "timeout", positive=True)
    if offline_mode():
        return "offline mode (GANKIT_OFFLINE)"
    answer: dict[str, Any] = {}

    def ask() -> None:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout) as response:
                answer["status"] = response.status
        except BaseException as error:  # noqa: BLE001 - reported as the reason
            answer["error"] = error

    worker = threading.Thread(target=ask, name="gankit-probe", daemon=True)
    worker.start()
    worker.join(2.0 * timeout)
    if worker.is_alive():
        return f"unreachable (no answer within {2.0 * timeout:.1f} s)"
    if "error" in answer:
        return _describe(answer["error"], timeout)
    return None if answer.get("status", 0) < 400 else f"HTTP {answer['status']}"


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    max_bytes: int,
    timeout: float = 3.0,
    total_s: float = 120.0,
    sha256: str | None = None,
    md5: str | None = None,
) -> Path:
    """Downloads ``url`` to ``dest`` (see the module docstring for the bounds).

    Args:
        url: what to download.
        dest: where the file goes; its folder is created. It is only replaced by a complete,
            checked file.
        max_bytes: the most the file may have.
        timeout: seconds without progress (connect or any read) before giving up.
        total_s: the least deadline for the whole download (it is at least ``2 * timeout``).
        sha256, md5: the expected hex digests, if known; a file with another one is rejected.

    Returns:
        ``dest`` as a ``Path``.

    Raises:
        DownloadError: with a one-line reason (:class:`ChecksumError` for a wrong file), also when
            the same URL failed less than :data:`RETRY_AFTER_S` seconds ago.
        ValueError: on a bad ``max_bytes``, ``timeout`` or ``total_s``.
    """
    max_bytes = checks.integer(max_bytes, "max_bytes", minimum=1)
    timeout = checks.number(timeout, "timeout", positive=True)
    total_s = checks.number(total_s, "total_s", positive=True)
    failed = _FAILURES.get(url)
    if failed is not None and time.monotonic() - failed[0] < RETRY_AFTER_S:
        raise DownloadError(f"{failed[1]} (not retried for {RETRY_AFTER_S:.0f} s)")
    expected = {name: digest for name, digest in (("sha256", sha256), ("md5", md5)) if digest}
    try:
        _download_in_worker(url, Path(dest), timeout, max(2.0 * timeout, total_s), max_bytes, expected)
    except DownloadError as error:
        _FAILURES[url] = (time.monotonic(), str(error))
        raise
    return Path(dest)


def _download_in_worker(
    url: str, dest: Path, timeout: float, total: float, max_bytes: int, expected: dict[str, str]
) -> None:
    """Runs :func:`_fetch` in a daemon thread and waits for it within the two deadlines."""
    state: dict[str, Any] = {"started": threading.Event(), "done": threading.Event(), "cancel": threading.Event()}
    worker = threading.Thread(
        target=_fetch, args=(url, dest, timeout, max_bytes, expected, state), name="gankit-download", daemon=True
    )
    t0 = time.monotonic()
    first_response = 2.0 * timeout
    worker.start()
    # Phase 1: a response must start within 2 * timeout (bounds DNS, connect, TLS, headers).
    while not state["started"].is_set() and not state["done"].is_set():
        left = first_response - (time.monotonic() - t0)
        if left <= 0:
            state["cancel"].set()
            raise DownloadError(f"unreachable (no response within {first_response:.1f} s)")
        state["started"].wait(min(left, 0.05))
    # Phase 2: the body, with a total deadline (each read is also bounded by `timeout`).
    if not state["done"].wait(max(0.0, total - (time.monotonic() - t0))):
        state["cancel"].set()
        raise DownloadError(f"too slow (gave up after {total:.0f} s)")
    error = state.get("error")
    if isinstance(error, DownloadError):
        raise error
    if error is not None:
        raise DownloadError(_describe(error, timeout)) from error


def _fetch(url: str, dest: Path, timeout: float, max_bytes: int, expected: dict[str, str], state: dict) -> None:
    """The worker: streams ``url`` into ``dest`` through :func:`atomic_write`; errors go to ``state``."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "gankit/0.1"})
        with urllib.request.urlopen(request, timeout=timeout) as response:  # timeout: connect + each read
            state["started"].set()
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise DownloadError(f"server announces {int(length)} bytes, more than the expected {max_bytes}")
            digests = {name: hashlib.new(name) for name in expected}
            with atomic_write(dest) as out:
                size = _copy(response, out, max_bytes, digests, state["cancel"])
                _check_digests(digests, expected, size)
    except BaseException as error:  # reported by the caller's thread
        state["error"] = error
    finally:
        state["done"].set()


def _copy(response: IO[bytes], out: IO[bytes], max_bytes: int, digests: dict, cancel: threading.Event) -> int:
    """Copies the body in chunks, hashing it; returns its size."""
    size = 0
    while chunk := response.read(_CHUNK):
        if cancel.is_set():
            raise _Cancelled()
        size += len(chunk)
        if size > max_bytes:
            raise DownloadError(f"server sent more than {max_bytes} bytes")
        for digest in digests.values():
            digest.update(chunk)
        out.write(chunk)
    if cancel.is_set():
        raise _Cancelled()
    return size


def _check_digests(digests: dict, expected: dict[str, str], size: int) -> None:
    for name, digest in digests.items():
        got, want = digest.hexdigest(), expected[name].lower()
        if got != want:
            raise ChecksumError(
                f"download rejected: {name} {got[:12]}... of {size} bytes does not match the expected {want[:12]}..."
            )


def _describe(error: BaseException, timeout: float) -> str:
    """A one-line reason for a network or file error."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError since Python 3.10
        return f"unreachable (timed out after {timeout:.1f} s)"
    if isinstance(reason, ConnectionRefusedError):
        return "unreachable (connection refused)"
    if isinstance(reason, OSError) and type(reason).__name__ == "gaierror":
        return f"unreachable (cannot resolve host: {reason.strerror or reason})"
    if isinstance(reason, PermissionError):
        return f"cannot write the file ({reason})"
    return f"failed ({type(reason).__name__}: {reason})"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """Yields a binary file that replaces ``path`` when the block ends without an error.

    The file is created beside ``path`` (its folder is made if needed) as ``.<name>.<random>.part``
    with mode ``0o644`` less the process's umask, as ``open`` would, and moved into place with
    ``os.replace``; on an error it is deleted, so ``path`` holds the old file or the whole new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # the kernel applies the umask
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
