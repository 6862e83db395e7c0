"""bin/keep-running: the Procfile's worker comes back on its own when it dies (issue 14)."""

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fixtures.worker import wait_for

SCRIPT = Path(__file__).resolve().parents[2] / "bin" / "keep-running"


def _start(tmp_path, command: str) -> subprocess.Popen:
    env = dict(os.environ, KEEP_RUNNING_FIRST_DELAY="0.1", KEEP_RUNNING_MAX_DELAY="0.4")
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), "sh", "-c", command],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_command_that_dies_is_started_again_with_a_growing_wait(tmp_path):
    runs = tmp_path / "runs"
    wrapper = _start(tmp_path, "date +%s.%N >> runs; exit 1")
    try:
        wait_for(lambda: runs.exists() and len(runs.read_text().split()) >= 4, timeout=20)
    finally:
        wrapper.terminate()
        wrapper.wait(timeout=10)
    starts = [float(line) for line in runs.read_text().split()]
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert gaps[0] >= 0.1
    assert gaps[2] > gaps[0]  # backs off rather than spinning
    assert "exited with 1; starting it again" in wrapper.stderr.read()


def test_stopping_the_wrapper_stops_the_command_and_does_not_start_it_again(tmp_path):
    wrapper = _start(
        tmp_path,
        "echo $$ > pid; trap 'echo stopped > why; exit 0' TERM; while true; do sleep 0.05; done",
    )
    wait_for(lambda: (tmp_path / "pid").exists() and (tmp_path / "pid").read_text().strip())
    child = int((tmp_path / "pid").read_text())
    wrapper.send_signal(signal.SIGTERM)
    assert wrapper.wait(timeout=10) == 0
    assert (tmp_path / "why").read_text().strip() == "stopped"
    time.sleep(0.3)  # more than the first wait: a restart would have written its own pid
    assert int((tmp_path / "pid").read_text()) == child
    try:
        os.kill(child, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive
