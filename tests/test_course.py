"""`make course`: the JupyterLab command line works as root and as a normal user."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from tools import course


def test_root_gets_allow_root_and_a_user_does_not():
    as_root = course.jupyter_command("nb", root=True, display=False)
    as_user = course.jupyter_command("nb", root=False, display=True)
    assert "--allow-root" in as_root and "--allow-root" not in as_user
    assert "--no-browser" in as_root and "--no-browser" not in as_user
    assert as_root[:3] == [sys.executable, "-m", "jupyterlab"] and "--notebook-dir=nb" in as_root


def test_port_and_ip_are_passed():
    command = course.jupyter_command("nb", port=9999, ip="0.0.0.0", root=False, display=False)
    assert "--port=9999" in command and "--ip=0.0.0.0" in command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_built_command_starts_jupyterlab_as_whoever_runs_it(tmp_path):
    """Really starts JupyterLab on a loopback port (as root here and in CI), waits for its URL, stops it."""
    port = _free_port()
    command = course.jupyter_command(tmp_path, port=port, display=False)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    seen, deadline = [], time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            seen.append(line)
            if f"127.0.0.1:{port}/lab" in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = "".join(seen)
    assert f"127.0.0.1:{port}/lab" in text, text[-3000:]
    assert "Running as root is not recommended" not in text


def test_dry_run_says_where_to_open_the_course(capsys):
    assert course.main(["--dry-run", "--port", "8890"]) == 0
    printed = capsys.readouterr().out
    assert "localhost:8890/lab" in printed and "01_intro_gan" in printed
