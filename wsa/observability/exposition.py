"""Which registry a scrape reads, and the workers' own metrics port.

Plain registry in a single process (runserver, a solo worker). With PROMETHEUS_MULTIPROC_DIR set
(gunicorn with several workers, Celery prefork), each process writes its values to files in that
directory and a scrape sums them up, whichever process answers it.
"""

import os

from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

from .collectors import HubQueueCollector


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def process_registry() -> CollectorRegistry:
    """The values recorded by this process, or by every process sharing the multiprocess directory."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def scrape_registry() -> CollectorRegistry:
    """What /metrics serves: the recorded values plus the queue depths read at scrape time."""
    registry = CollectorRegistry()
    registry.register(process_registry())
    registry.register(HubQueueCollector())
    return registry


def parse_listen_address(value: str) -> tuple[str, int]:
    """ "9540", ":9540" or "0.0.0.0:9540" → (address, port)."""
    host, _, port = value.rpartition(":")
    return host or "0.0.0.0", int(port)  # noqa: S104 - a container's metrics port is meant for its network


def worker_metrics_server_start(listen: str):
    """Serves this worker's task metrics on their own port (no queue depths: the web's /metrics has
    them). Started once in the worker's main process; prefork children record through the multiprocess
    directory."""
    from prometheus_client import start_http_server

    address, port = parse_listen_address(listen)
    return start_http_server(port, addr=address, registry=process_registry())
