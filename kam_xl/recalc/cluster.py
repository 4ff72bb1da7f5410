"""The per-file job of `kam-xl recalc|refresh` on a Dask cluster (``--scheduler tcp://HOST:8786``).

One task per workbook, each the very job of a local run (lock, owner-file check, atomic swap, report), retried
once on another worker when its worker dies. Workers must see the files at the same paths (a shared folder) and
run the same kam_xl version: :func:`run_on_cluster` asks every worker first and refuses a mismatched cluster; a
task that lands on a worker joining later checks again. ``distributed`` is imported here only, when a run asks
for a scheduler (``pip install "kam_xl[cluster]"``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kam_xl.errors import InputError

#: Seconds to reach the scheduler (and for a worker to be there) before the run gives up.
CONNECT_TIMEOUT = 10


def worker_version() -> str:
    """kam_xl's version where this runs (on a worker: the worker's)."""
    import kam_xl

    return kam_xl.__version__


def run_on_cluster(address: str, job: Callable, files: list[Path], out_dirs: dict, as_of, lock_timeout: float,
                   done: Callable[[Path], None]) -> dict:
    """Every file's report ({path: FileReport}), run on the cluster at ``address``; ``done(path)`` as each
    finishes. InputError (one line) for an unreachable scheduler, no workers, or a worker of another version."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install \"kam_xl[cluster]\" (on every worker too)") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--scheduler {address}: cannot reach the Dask scheduler ({_one_line(exc)}); "
                         "check the address and that `dask scheduler` runs there") from None
    with client:
        _check_workers(client, address)
        mine = worker_version()
        futures = {client.submit(_task, job, mine, path, out_dirs[path], as_of, lock_timeout,
                                 pure=False, retries=1): path for path in files}
        reports = {}
        for future in as_completed(futures, loop=client.loop):
            path = futures[future]
            try:
                reports[path] = future.result()
            except Exception as exc:  # the task's workers died (KilledWorker) or the scheduler went away
                reports[path] = _failed(path, f"the Dask workers running it died or left "
                                              f"({type(exc).__name__}); the file is the old one or the new one, "
                                              "never half-written — run again")
            done(path)
    return reports


def _check_workers(client, address: str) -> None:
    """Refuse a cluster without workers, or with a worker whose kam_xl is not ours."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError:
        raise InputError(f"--scheduler {address}: no Dask worker joined within {CONNECT_TIMEOUT} s; "
                         "start `dask worker` on the machines first") from None
    mine = worker_version()
    try:
        versions = client.run(worker_version)
    except Exception as exc:  # a worker left while asked, a broken connection
        raise InputError(f"--scheduler {address}: could not ask the workers for their kam_xl version "
                         f"({type(exc).__name__}: {_one_line(exc)}); run again") from None
    for worker, version in sorted(versions.items()):
        if version != mine:
            raise InputError(f"--scheduler {address}: worker {worker} runs kam_xl {version}, this machine "
                             f"{mine}; install kam_xl {mine} on every worker")


def _task(job: Callable, version: str, path: Path, out_dir, as_of, lock_timeout: float):
    """The per-file job on a worker, refused on a worker of another kam_xl version."""
    here = worker_version()
    if here != version:
        return _failed(path, f"the Dask worker that took it runs kam_xl {here}, not {version}; file unchanged")
    return job(path, out_dir, as_of, lock_timeout)


def _failed(path: Path, reason: str):
    from kam_xl.recalc.batch import FileReport

    return FileReport(path=str(path), reason=reason)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
