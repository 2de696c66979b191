"""Supervised worker processes: each render runs in a worker that may die at any moment.

Why not ``concurrent.futures.ProcessPoolExecutor`` (or pebble, or loky): their workers share one
result pipe. A worker killed halfway through writing its result leaves half a message in that
pipe, and the pool's reader waits for the rest for ever; and a worker that dies breaks the whole
pool, so every request in flight fails with it. Here every worker has a pipe of its own that no
other process holds: when a worker dies, its pipe ends at once (EOF), whatever it was doing, and
only the job it held fails (``WorkerLost``). The supervisor then starts a replacement.

- a job has a hard deadline: a worker that has not answered by then is killed and replaced
  (the worker's own alarm stops an ordinary slow render earlier, without killing it);
- a worker is retired after ``max_jobs`` jobs, so that its memory stays bounded;
- a worker that dies while idle is noticed by a watch task within ``WATCH_INTERVAL`` and
  replaced; a job sent to a worker found dead is given to another worker;
- workers are started with ``spawn``, ignore SIGINT (the server decides when they stop) and die
  with the server (``PR_SET_PDEATHSIG`` on Linux), so that no worker outlives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger("portrait.studio")

WATCH_INTERVAL = 0.25  # seconds between checks for workers that died while idle
START_TIMEOUT = 120.0  # seconds a new worker may take to get ready (lay out the shared pages)


class WorkerLost(Exception):
    """The worker that held the job stopped (killed, crashed, or over its hard deadline)."""


class Unavailable(Exception):
    """No worker can take the job: the supervisor is stopping, or no worker became ready in time."""


class StartFailed(Exception):
    """A worker could not get ready; ``problems`` is what its start function returned."""

    def __init__(self, problems: Any):
        super().__init__(f"a worker could not start: {problems}")
        self.problems = problems


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    jobs: int = 0
    ready: bool = False
    busy: bool = False
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int | None:
        return self.process.pid


class Supervisor:
    """``size`` worker processes running ``main(conn, *args)`` (see ``worker_loop``).

    ``submit(job, deadline)`` sends ``job`` to an idle worker and returns what it answers;
    ``on_restart`` is called each time a worker is replaced (for the metrics).
    """

    def __init__(
        self,
        main: Callable[..., None],
        args: tuple[Any, ...],
        size: int,
        *,
        max_jobs: int = 0,
        on_restart: Callable[[str], None] | None = None,
        on_exit: Callable[[int], None] | None = None,
    ):
        self.main = main
        self.args = args
        self.size = max(1, size)
        self.max_jobs = max(0, max_jobs)
        self.on_restart = on_restart or (lambda reason: None)
        self.on_exit = on_exit or (lambda pid: None)
        self.restarts = 0
        self.stopping = False
        self._workers: list[_Worker] = []
        self._context = multiprocessing.get_context("spawn")
        self._threads = ThreadPoolExecutor(max_workers=2 * self.size + 2, thread_name_prefix="studio-pipe")
        self._idle: asyncio.Condition | None = None
        self._watch: asyncio.Task[None] | None = None
        self._starting: set[asyncio.Task[None]] = set()

    # State, for /healthz, /readyz and /metrics.

    def pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.pid is not None]

    def busy_pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.busy and w.pid is not None]

    @property
    def ready(self) -> int:
        """Workers alive and ready (idle or busy)."""
        return sum(1 for w in self._workers if w.ready and w.process.is_alive())

    @property
    def idle(self) -> int:
        return sum(1 for w in self._workers if w.ready and not w.busy and w.process.is_alive())

    # Life cycle.

    async def start(self) -> None:
        """Start every worker and wait until each is ready; raises StartFailed if one is not."""
        self._idle = asyncio.Condition()
        workers = [self._spawn() for _ in range(self.size)]
        self._workers.extend(workers)
        try:
            await asyncio.gather(*(self._await_ready(w) for w in workers))
        except BaseException:
            await self.stop(0)
            raise
        self._watch = asyncio.create_task(self._watch_loop())

    async def stop(self, deadline: float) -> None:
        """Take no new job, let running ones finish for up to ``deadline`` seconds, then stop
        every worker (killing those that do not stop)."""
        self.stopping = True
        if self._idle is not None:
            async with self._idle:
                self._idle.notify_all()
        end = time.monotonic() + max(0.0, deadline)
        while any(w.busy for w in self._workers) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        for task in list(self._starting):
            task.cancel()
        for worker in self._workers:
            with contextlib.suppress(OSError):
                if not worker.busy:
                    worker.conn.send(None)  # a polite stop: the worker returns from its loop
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._threads, _end, w, 2.0) for w in self._workers))
        self._workers.clear()
        self._threads.shutdown(wait=False, cancel_futures=True)

    # Jobs.

    async def submit(self, job: Any, deadline: float, wait: float) -> Any:
        """``job``'s answer from a worker. Waits up to ``wait`` seconds for an idle worker
        (Unavailable after that, or when stopping); kills the worker if it has not answered
        within ``deadline`` seconds (WorkerLost, as when the worker dies)."""
        end = time.monotonic() + wait
        while True:
            worker = await self._acquire(end)
            try:
                sent = await self._send(worker, job)
                if not sent:
                    # Dead before it took the job: nobody has the job; give it to another worker.
                    self._replace(worker, "died while idle")
                    continue
                return await self._receive(worker, deadline)
            finally:
                self._release(worker)

    async def _acquire(self, end: float) -> _Worker:
        assert self._idle is not None, "Supervisor.start was not called"
        async with self._idle:
            while True:
                if self.stopping:
                    raise Unavailable("the studio is stopping")
                for worker in self._workers:
                    if worker.ready and not worker.busy:
                        if not worker.process.is_alive():
                            self._replace(worker, "died while idle")
                            continue
                        worker.busy = True
                        return worker
                left = end - time.monotonic()
                if left <= 0:
                    raise Unavailable("no render worker became free in time")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), min(left, WATCH_INTERVAL * 4))

    async def _send(self, worker: _Worker, job: Any) -> bool:
        """Hand ``job`` to ``worker``; True once the worker has acknowledged it. False if the
        worker is dead (it died idle, perhaps a moment ago): then nobody holds the job."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, _hand_over, worker.conn, job)

    async def _receive(self, worker: _Worker, deadline: float) -> Any:
        loop = asyncio.get_running_loop()
        reading = loop.run_in_executor(self._threads, _recv, worker.conn)
        try:
            message = await asyncio.wait_for(asyncio.shield(reading), deadline)
        except TimeoutError:
            log.warning("render worker %s did not answer within %.0f s: stopped", worker.pid, deadline)
            _kill(worker)
            with contextlib.suppress(Exception):
                await reading  # ends at once: the pipe is closed by the worker's death
            self._replace(worker, "over its deadline")
            raise WorkerLost(f"the render took longer than {deadline:.0f} s and its worker was stopped") from None
        except asyncio.CancelledError:
            # The request was cancelled (the server is stopping): the worker's answer would
            # arrive later on its pipe; a fresh worker is simpler than reading it then.
            _kill(worker)
            self._replace(worker, "request cancelled")
            raise
        if message is None:
            code = await loop.run_in_executor(self._threads, _end, worker, 1.0)
            log.warning("render worker %s stopped during a render (exit code %s)", worker.pid, code)
            self._replace(worker, "died during a job")
            raise WorkerLost("the render worker stopped during this render")
        worker.jobs += 1
        if self.max_jobs and worker.jobs >= self.max_jobs:
            self._retire(worker)
        return message

    def _release(self, worker: _Worker) -> None:
        worker.busy = False
        if self._idle is not None:
            asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        assert self._idle is not None
        async with self._idle:
            self._idle.notify_all()

    # Replacing workers.

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(target=self.main, args=(theirs, *self.args), daemon=True)
        process.start()
        theirs.close()  # only the worker holds its end: its death ends the pipe
        return _Worker(process, ours)

    async def _await_ready(self, worker: _Worker) -> None:
        loop = asyncio.get_running_loop()
        message = await loop.run_in_executor(self._threads, _recv, worker.conn, START_TIMEOUT)
        if message is None:
            _kill(worker)
            raise StartFailed("the worker stopped before it was ready")
        kind, problems = message
        if problems:
            _kill(worker)
            raise StartFailed(problems)
        worker.ready = True
        log.info("render worker %s ready in %.1f s", worker.pid, time.monotonic() - worker.started)
        await self._notify()

    def _replace(self, worker: _Worker, reason: str) -> None:
        """Start a new worker in ``worker``'s place (in the background)."""
        if worker not in self._workers:
            return
        worker.ready = False
        _kill(worker)
        if worker.pid is not None:
            self.on_exit(worker.pid)
        index = self._workers.index(worker)
        if self.stopping:
            self._workers.pop(index)
            return
        self.restarts += 1
        self.on_restart(reason)
        if reason != "recycled":
            log.warning("render worker %s replaced (%s)", worker.pid, reason)
        new = self._spawn()
        self._workers[index] = new
        task = asyncio.get_running_loop().create_task(self._start_replacement(new))
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    def _retire(self, worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            worker.conn.send(None)
        log.info("render worker %s recycled after %d renders", worker.pid, worker.jobs)
        self._replace(worker, "recycled")

    async def _start_replacement(self, worker: _Worker) -> None:
        try:
            await self._await_ready(worker)
        except StartFailed as exc:
            if isinstance(exc.problems, str):  # it died while starting (killed, out of memory)
                log.warning("a new render worker %s stopped before it was ready", worker.pid)
            else:  # the project itself is broken: do not spin
                log.error("a new render worker could not start: %s", exc.problems)
                await asyncio.sleep(5.0)
            if worker in self._workers and not self.stopping:
                self._replace(worker, "could not start")

    async def _watch_loop(self) -> None:
        while not self.stopping:
            await asyncio.sleep(WATCH_INTERVAL)
            for worker in list(self._workers):
                if worker.ready and not worker.busy and not worker.process.is_alive():
                    self._replace(worker, "died while idle")


def _recv(conn: Connection, timeout: float | None = None) -> Any:
    """The next message on ``conn``, or None if the worker's end is closed (it died)."""
    try:
        if timeout is not None and not conn.poll(timeout):
            return None
        return conn.recv()
    except (EOFError, OSError):
        return None


ACK = "started"  # a worker's first answer to a job: it has the job
ACK_TIMEOUT = 10.0  # an idle, living worker acknowledges within milliseconds


def _hand_over(conn: Connection, job: Any) -> bool:
    try:
        conn.send(job)
    except (OSError, ValueError):
        return False
    return _recv(conn, ACK_TIMEOUT) == ACK


def _kill(worker: _Worker) -> None:
    if worker.process.is_alive() and worker.pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)


def _end(worker: _Worker, grace: float) -> int | None:
    """Wait up to ``grace`` seconds for the worker to leave, then kill it; reap it either way."""
    worker.process.join(grace)
    if worker.process.is_alive():
        _kill(worker)
        worker.process.join(5)
    with contextlib.suppress(OSError):
        worker.conn.close()
    return worker.process.exitcode


# In the worker process.


def die_with_parent() -> None:
    """Ask Linux to kill this process when the server that started it dies; ignore Ctrl-C
    (a terminal sends SIGINT to the whole group: the server stops its workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the server died before prctl: do not linger
            os._exit(0)
