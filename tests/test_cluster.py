"""`kam-xl refresh --scheduler` on real Dask clusters (a LocalCluster of worker processes, and `dask scheduler` /
`dask worker` as separate processes): the files equal a local run's entry by entry, a worker killed mid-file costs
a retry and never a damaged file, an unreachable scheduler and a worker of another kam_xl version are refused."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from functools import partial
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402  (comes with distributed)

import kam_xl  # noqa: E402
from kam_xl.cli import main  # noqa: E402
from kam_xl.commands.refresh import STEPS  # noqa: E402
from kam_xl.recalc.batch import recalc_file  # noqa: E402
from kam_xl.recalc.cluster import run_on_cluster  # noqa: E402

# The test-only step and worker plugin below travel to the workers by value (the workers cannot import tests/).
cloudpickle.register_pickle_by_value(sys.modules[__name__])

AS_OF = "2026-01-31"
SEEDS = (1, 2)


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """Two small workbooks (30 customers, two seeds): {seed: (original, refreshed locally)}."""
    out = {}
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"seed{seed}")
        original = folder / "original.xlsm"
        assert main(["demo", "--customers", "30", "--seed", str(seed), "--out", str(folder),
                     "--workbook", str(original)]) == 0
        local = folder / "local.xlsm"
        shutil.copyfile(original, local)
        assert main(["refresh", str(local), "--as-of", AS_OF, "--workers", "1"]) == 0
        out[seed] = (original, local)
    return out


def books(sources, folder: Path, n: int) -> dict[Path, int]:
    """n copies of the originals, seeds alternating: {path: seed}. A workbook's content does not depend on
    its file name, so each copy's expected result is its seed's local run."""
    made = {}
    for i in range(n):
        seed = SEEDS[i % len(SEEDS)]
        path = folder / f"book{i:02d}.xlsm"
        shutil.copyfile(sources[seed][0], path)
        made[path] = seed
    return made


def assert_equal_to_local_run(made: dict[Path, int], sources) -> None:
    for path, seed in made.items():
        assert entries(path) == entries(sources[seed][1]), path.name


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=":0") as local:
        yield local


def test_twenty_workbooks_refreshed_on_a_local_cluster_equal_a_local_run_entry_by_entry(sources, cluster, tmp_path):
    made = books(sources, tmp_path, 20)
    assert main(["refresh", str(tmp_path), "--scheduler", cluster.scheduler_address, "--as-of", AS_OF]) == 0
    assert_equal_to_local_run(made, sources)


def slow_first_time(book) -> dict:
    """Test-only refresh step: on book00 the first time, note the worker's pid and sleep (the kill lands
    here, the lock held, mid-file); every later run notes its pid and goes on."""
    if book.path.name == "book00.xlsm":
        marker = book.path.with_name("runs.txt")
        first = not marker.exists()
        with open(marker, "a") as notes:
            notes.write(f"{os.getpid()}\n")
        if first:
            time.sleep(60)
    return {}


def test_a_worker_killed_mid_file_costs_a_retry_and_leaves_every_file_old_or_new(sources, cluster, tmp_path):
    made = books(sources, tmp_path, 4)
    job = partial(recalc_file, steps=(*STEPS, slow_first_time))
    marker = tmp_path / "runs.txt"

    def kill_when_started():
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(int(marker.read_text().split()[0]), signal.SIGKILL)

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    reports = run_on_cluster(cluster.scheduler_address, job, list(made), dict.fromkeys(made),
                             dt.date.fromisoformat(AS_OF), 30.0, lambda path: None)
    killer.join()
    runs = marker.read_text().split()
    assert len(runs) == 2 and runs[0] != runs[1]  # killed once, retried on a live worker
    assert all(r.ok for r in reports.values()), [r.reason for r in reports.values()]
    assert_equal_to_local_run(made, sources)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith((".~kam-xl-tmp.", ".~kam-xl-lock."))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_separate_dask_scheduler_and_worker_named_by_the_environment_give_a_local_runs_files(
        sources, tmp_path, monkeypatch):
    dask = Path(sys.executable).with_name("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    started = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        started.append(subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                         "--host", "127.0.0.1", "--no-dashboard"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        made = books(sources, tmp_path, 20)
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
        assert main(["refresh", *map(str, made), "--as-of", AS_OF]) == 0
        assert_equal_to_local_run(made, sources)
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_an_unreachable_scheduler_ends_with_exit_2_and_one_line_in_under_15_seconds(sources, tmp_path, capsys):
    made = books(sources, tmp_path, 1)
    started = time.monotonic()
    assert main(["refresh", *map(str, made), "--scheduler", f"tcp://127.0.0.1:{free_port()}"]) == 2
    assert time.monotonic() - started < 15
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot reach the Dask scheduler" in err
    assert entries(next(iter(made))) == entries(sources[SEEDS[0]][0])


class OtherVersion(distributed.WorkerPlugin):
    """A worker that runs another kam_xl version (as after a half-done upgrade)."""

    def setup(self, worker):
        import kam_xl

        kam_xl.__version__ = "0.0.0+other"


def test_a_cluster_with_a_worker_of_another_kam_xl_version_is_refused_naming_the_worker(sources, tmp_path, capsys):
    made = books(sources, tmp_path, 2)
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=":0") as other:
        with distributed.Client(other) as client:
            client.register_plugin(OtherVersion())
            worker = next(iter(client.scheduler_info()["workers"]))
        assert main(["refresh", *map(str, made), "--scheduler", other.scheduler_address]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [f"kam-xl refresh: --scheduler {other.scheduler_address}: worker {worker} runs "
                                f"kam_xl 0.0.0+other, this machine {kam_xl.__version__}; install kam_xl "
                                f"{kam_xl.__version__} on every worker"]
    for path, seed in made.items():
        assert entries(path) == entries(sources[seed][0])
