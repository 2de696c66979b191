"""The studio's metrics at ``GET /metrics``, in Prometheus' text format (prometheus_client).

Each studio has a registry of its own (several studios in one process, as in the tests, do not
share counters):

- ``portrait_studio_renders_total{status}``: requests that asked for a render, by outcome:
  ``ok``, ``problems`` (422), ``timeout`` (stopped by its time limit, 503), ``lost`` (its worker
  died, 503), ``unavailable`` (no worker in time or stopping, 503), ``refused`` (429),
  ``error`` (500);
- ``portrait_studio_render_seconds``: time from acceptance to answer (queue included), histogram;
- ``portrait_studio_queue_length``: accepted requests waiting for a worker;
- ``portrait_studio_in_flight``: accepted requests, waiting or rendering;
- ``portrait_studio_workers_ready``: workers alive and ready;
- ``portrait_studio_worker_restarts_total{reason}``: workers replaced (died, over their deadline,
  recycled after ``--max-renders``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

if TYPE_CHECKING:
    from portrait.studio.engine import Engine

CONTENT_TYPE = CONTENT_TYPE_LATEST
STATUSES = ("ok", "problems", "timeout", "lost", "unavailable", "refused", "error")


class StudioMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.renders = Counter(
            "portrait_studio_renders", "Render requests by outcome", ["status"], registry=self.registry
        )
        for status in STATUSES:
            self.renders.labels(status)
        self.seconds = Histogram(
            "portrait_studio_render_seconds",
            "Seconds from a render request's acceptance to its answer (waiting included)",
            buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120),
            registry=self.registry,
        )
        self.queue = Gauge("portrait_studio_queue_length", "Requests waiting for a worker", registry=self.registry)
        self.in_flight = Gauge("portrait_studio_in_flight", "Requests waiting or rendering", registry=self.registry)
        self.ready = Gauge("portrait_studio_workers_ready", "Render workers alive and ready", registry=self.registry)
        self.restarts = Counter(
            "portrait_studio_worker_restarts", "Render workers replaced, by reason", ["reason"], registry=self.registry
        )

    def bind(self, engine: Engine) -> None:
        """Gauges read the engine's state when scraped."""
        self.queue.set_function(lambda: engine.waiting)
        self.in_flight.set_function(lambda: engine.in_flight)
        self.ready.set_function(lambda: engine.status()["workers_ready"])

    def rendered(self, status: str, seconds: float) -> None:
        self.renders.labels(status).inc()
        if status != "refused":
            self.seconds.observe(seconds)

    def worker_restarted(self, reason: str) -> None:
        self.restarts.labels(reason).inc()

    def text(self) -> bytes:
        return generate_latest(self.registry)
