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


# A command with a child of its own, as the Celery worker has its pool: it records how often
# it is told to stop, and whether its child was stopped by it or by someone else's signal.
WORKER_WITH_A_POOL = """
import os, signal, sys, time
pool = os.fork()
if pool == 0:
    def killed(*_):
        open("pool", "w").write("killed by a signal meant for its group")
        os._exit(1)
    def stopped(*_):
        open("pool", "w").write("stopped by the worker")
        os._exit(0)
    signal.signal(signal.SIGTERM, killed)
    signal.signal(signal.SIGUSR1, stopped)
    open("pool-ready", "w").write("1")
    while True:
        time.sleep(0.05)
told = []
signal.signal(signal.SIGTERM, lambda *_: told.append(1))
while not told:
    time.sleep(0.05)
time.sleep(0.3)  # a second SIGTERM would be counted
os.kill(pool, signal.SIGUSR1)
os.waitpid(pool, 0)
open("told", "w").write(str(len(told)))
"""


def test_a_stop_for_its_whole_group_reaches_only_the_command_which_stops_its_own_pool(tmp_path):
    # honcho stops a process by signalling its whole process group.
    wrapper = subprocess.Popen(
        [sys.executable, str(SCRIPT), sys.executable, "-c", WORKER_WITH_A_POOL],
        cwd=tmp_path,
        start_new_session=True,
    )
    wait_for(lambda: (tmp_path / "pool-ready").exists())
    os.killpg(wrapper.pid, signal.SIGTERM)
    assert wrapper.wait(timeout=10) == 0
    assert (tmp_path / "pool").read_text() == "stopped by the worker"
    assert (tmp_path / "told").read_text() == "1"  # once, by keep-running


def test_a_command_that_does_not_stop_in_time_gets_sigquit_then_is_killed(tmp_path):
    env = dict(os.environ, KEEP_RUNNING_STOP_WAIT="0.5")
    wrapper = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPT),
            "sh",
            "-c",
            "trap '' TERM; trap 'echo quit >> got' QUIT; echo 1 > ready; "
            "while true; do sleep 0.05; done",
        ],
        cwd=tmp_path,
        env=env,
    )
    wait_for(lambda: (tmp_path / "ready").exists())
    started = time.monotonic()
    wrapper.send_signal(signal.SIGTERM)
    assert wrapper.wait(timeout=10) == 0
    assert time.monotonic() - started < 4  # inside honcho's 5 seconds
    assert (tmp_path / "got").read_text().split() == ["quit"]
