"""Tests for gankit.download: bounds, checksums, atomic files, the failure memory, GANKIT_OFFLINE.

No network: ``urlopen`` is replaced by fakes (the servers on 127.0.0.1 are in test_data.py).
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time

import pytest

from gankit import download

PAYLOAD = b"gankit" * 1000


class FakeResponse(io.BytesIO):
    """What ``urlopen`` returns: a readable body with headers."""

    def __init__(self, body: bytes, length: int | None = None) -> None:
        super().__init__(body)
        self.headers = {} if length is None else {"Content-Length": str(length)}


@pytest.fixture
def serve(monkeypatch):
    """``serve(body, length=None)``: every ``urlopen`` answers ``body``; returns the list of URLs asked."""
    asked = []

    def start(body: bytes, length: int | None = None) -> list[str]:
        def fake_urlopen(request, timeout):
            asked.append(request.full_url)
            return FakeResponse(body, length)

        monkeypatch.setattr(download.urllib.request, "urlopen", fake_urlopen)
        return asked

    return start


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_download_lands_whole_with_the_usual_mode(serve, tmp_path):
    serve(PAYLOAD, len(PAYLOAD))
    dest = tmp_path / "sub" / "file.bin"
    got = download.download(
        "http://x/file.bin", dest, max_bytes=len(PAYLOAD), sha256=hashlib.sha256(PAYLOAD).hexdigest(),
        md5=hashlib.md5(PAYLOAD).hexdigest(),
    )
    assert got == dest and dest.read_bytes() == PAYLOAD
    assert dest.stat().st_mode & 0o777 == 0o644 & ~_umask()
    assert [p.name for p in dest.parent.iterdir()] == ["file.bin"]


@pytest.mark.parametrize("digest", ["sha256", "md5"])
def test_a_wrong_file_is_rejected_and_the_old_one_kept(serve, tmp_path, digest):
    serve(b"<html>captive portal</html>")
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"old")
    with pytest.raises(download.ChecksumError, match=f"rejected: {digest}"):
        download.download("http://x/f", dest, max_bytes=10**6, **{digest: hashlib.new(digest, PAYLOAD).hexdigest()})
    assert dest.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["file.bin"]


@pytest.mark.parametrize("length, match", [(10**6, "announces 1000000 bytes"), (None, "sent more than 100 bytes")])
def test_too_large_is_stopped(serve, tmp_path, length, match):
    serve(PAYLOAD, length)
    with pytest.raises(download.DownloadError, match=match):
        download.download("http://x/f", tmp_path / "f", max_bytes=100)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_is_remembered_until_forgotten(serve, tmp_path):
    asked = serve(PAYLOAD, 10**6)
    for _ in range(2):
        with pytest.raises(download.DownloadError, match="announces"):
            download.download("http://x/f", tmp_path / "f", max_bytes=100)
    assert len(asked) == 1  # the second call did not touch the network
    with pytest.raises(download.DownloadError, match=r"not retried for 300 s"):
        download.download("http://x/f", tmp_path / "f", max_bytes=100)
    download.forget_failures()
    download.download("http://x/f", tmp_path / "f", max_bytes=10**6)
    assert len(asked) == 2


def test_no_response_gives_up_after_twice_the_timeout(monkeypatch, tmp_path):
    release = threading.Event()

    def hanging_urlopen(request, timeout):  # a DNS lookup that hangs: no socket timeout helps
        release.wait(10)
        raise OSError("released")

    monkeypatch.setattr(download.urllib.request, "urlopen", hanging_urlopen)
    start = time.monotonic()
    try:
        with pytest.raises(download.DownloadError, match=r"no response within 0\.6 s"):
            download.download("http://x/f", tmp_path / "f", max_bytes=100, timeout=0.3)
        elapsed = time.monotonic() - start
    finally:
        release.set()
    assert 0.5 < elapsed < 1.5


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"max_bytes": 0}, "max_bytes"),
        ({"max_bytes": 1, "timeout": 0}, "timeout"),
        ({"max_bytes": 1, "total_s": -1}, "total_s"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        download.download("http://x/f", tmp_path / "f", **kwargs)


def test_atomic_write_keeps_the_old_file_on_error(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")
    with pytest.raises(KeyError):
        with download.atomic_write(path) as fh:
            fh.write(b"half")
            raise KeyError("boom")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    with download.atomic_write(path) as fh:
        fh.write(b"new")
    assert path.read_bytes() == b"new"


@pytest.mark.parametrize("value, expected", [("1", True), ("yes", True), ("", False), ("0", False), ("off", False)])
def test_offline_mode(monkeypatch, value, expected):
    monkeypatch.setenv("GANKIT_OFFLINE", value)
    assert download.offline_mode() is expected
    monkeypatch.setenv("GANKIT_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="GANKIT_OFFLINE=1"):
        download.offline_mode()
