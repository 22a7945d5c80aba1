"""The zero-setup demo's SQLite lets two quick requests write one after the other."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("sqlite_writers.py")


def _writers(path, *extra):
    result = subprocess.run([sys.executable, str(SCRIPT), str(path), *extra], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_two_read_then_write_requests_both_succeed_in_wal_mode(tmp_path):
    mode, first, second, total = _writers(tmp_path / "demo.sqlite3")
    assert mode == "wal"
    assert (first, second, total) == ("ok", "ok", "2")


def test_without_the_demo_options_the_same_requests_collide(tmp_path):
    # The situation the settings guard against is real: SQLite's default deferred
    # transactions make one of the two writers fail at once.
    lines = _writers(tmp_path / "plain.sqlite3", "without")
    assert lines[0] == "delete" and "locked" in " ".join(lines)
