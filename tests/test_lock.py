"""The workbook lock across machines: an exclusively created lock file naming pid, host and time, touched while
held, taken over when its holder is gone (a dead process on this host, or untouched for STALE_AFTER seconds);
real processes race for it, and a dead holder's temp files go with its lock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kam_xl.package import PackageError, workbook_lock, write_values
from kam_xl.package import lock as lock_module
from kam_xl.package.lock import LOCK_PREFIX, STALE_AFTER, TEMP_PREFIX

from test_package_faults import VALUES, book, leftovers

ROOT = Path(__file__).resolve().parents[1]


def left_by(folder: Path, content: str, age: float = 0.0) -> Path:
    """The lock file of book.xlsx as a holder left it, last touched ``age`` seconds ago."""
    path = folder / f"{LOCK_PREFIX}book.xlsx"
    path.write_text(content)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_the_lock_file_is_created_exclusively_and_names_pid_host_and_time(tmp_path):
    target = book(tmp_path)
    before = time.time()
    with workbook_lock(target, timeout=0) as held:
        pid, host, when = held.path.read_text().split()
    assert (int(pid), host) == (os.getpid(), socket.gethostname()) and before - 1 <= float(when) <= time.time()
    assert leftovers(tmp_path) == []


def test_a_lock_of_another_host_is_honoured_while_fresh_and_taken_over_once_untouched_for_stale_after(tmp_path):
    target = book(tmp_path)
    left = left_by(tmp_path, f"4242 far-host {time.time():.3f}\n")
    with pytest.raises(PackageError, match=r"another kam-xl run \(pid 4242 on far-host\); waited 0.2 s"):
        write_values(target, VALUES, all_computed=True, lock_timeout=0.2)
    then = time.time() - STALE_AFTER - 1
    os.utime(left, (then, then))
    report = write_values(target, VALUES, all_computed=True, lock_timeout=0.2)
    assert report.written and report.lock_taken_over_from == 4242 and leftovers(tmp_path) == []


def test_a_lock_file_left_empty_by_a_creator_that_died_is_taken_over_once_stale(tmp_path):
    target = book(tmp_path)
    left_by(tmp_path, "", age=STALE_AFTER + 1)
    assert write_values(target, VALUES, all_computed=True, lock_timeout=0.2).written


def test_a_held_lock_is_touched_so_a_long_run_never_looks_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(lock_module, "HEARTBEAT", 0.05)
    target = book(tmp_path)
    with workbook_lock(target, timeout=0) as held:
        old = time.time() - STALE_AFTER - 1
        os.utime(held.path, (old, old))
        time.sleep(0.5)
        assert time.time() - held.path.stat().st_mtime < 1
        with pytest.raises(PackageError, match=rf"\(pid {os.getpid()}\); waited 0.1 s"):
            _other_thread_locks(target)


def _other_thread_locks(target: Path) -> None:
    """Take the lock from another thread (the lock is re-entrant only for its own thread)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: workbook_lock(target, timeout=0.1).__enter__()).result()


def test_temp_files_a_dead_holder_on_another_host_left_are_removed_with_its_stale_lock(tmp_path):
    target = book(tmp_path)
    left_by(tmp_path, "777 far-host 0\n", age=STALE_AFTER + 1)
    temp = tmp_path / f"{TEMP_PREFIX}book.xlsx.777.k2j4h1"
    temp.write_bytes(b"PK half a workbook")
    report = write_values(target, VALUES, all_computed=True, lock_timeout=0.2)
    assert report.temp_files_removed == [temp.name] and report.lock_taken_over_from == 777
    assert leftovers(tmp_path) == []


COUNTER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kam_xl.package import workbook_lock
    target, counter = Path(sys.argv[1]), Path(sys.argv[2])
    for _ in range(15):
        with workbook_lock(target, timeout=60):
            n = int(counter.read_text())
            time.sleep(0.002)
            counter.write_text(str(n + 1))
""")


def test_processes_racing_for_a_stale_lock_hold_it_one_at_a_time(tmp_path):
    target = book(tmp_path)
    left_by(tmp_path, "4242 far-host 0\n", age=STALE_AFTER + 1)
    counter = tmp_path / "counter"
    counter.write_text("0")
    racers = [subprocess.Popen([sys.executable, "-c", COUNTER, str(target), str(counter)], cwd=ROOT,
                               stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for racer in racers:
        assert racer.wait(timeout=120) == 0, racer.stderr.read()
    assert counter.read_text() == "60" and leftovers(tmp_path) == []
