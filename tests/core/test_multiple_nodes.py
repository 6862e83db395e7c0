"""More than one node: a photo ID upload taken by one machine is read by another.

The web process that takes a patient's photo, the worker that checks it and the web process
that shows it to a checker can each be on a different node, and each node has a DATA_DIR of
its own. ``MEDIA_DIR``, one shared folder, is what they must have in common
(docs/operations.md, "More than one node"; bench/nodes.py proves the rest across two nodes).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STORE = """
import django, sys
django.setup()
from verification.idchecks import storage
print(storage.save_encrypted(b"a passport photo"))
"""

READ = """
import django, sys
django.setup()
from verification.idchecks import storage
sys.stdout.write(storage.read_decrypted(sys.argv[1]).decode())
"""


def on_node(tmp_path: Path, node: str, script: str, *args: str) -> str:
    """Run ``script`` as a process of node ``node``: its own DATA_DIR, the shared MEDIA_DIR."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MEDIA_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        ENVIRONMENT="test",
        DATA_DIR=str(tmp_path / node),
        MEDIA_DIR=str(tmp_path / "shared-media"),
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_photo_stored_through_one_node_is_read_through_another(tmp_path):
    name = on_node(tmp_path, "node-a", STORE)

    assert on_node(tmp_path, "node-b", READ, name) == "a passport photo"
    assert (tmp_path / "shared-media" / name).is_file()
    assert not any(p.is_file() for p in (tmp_path / "node-a").rglob("*"))
