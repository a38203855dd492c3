"""A small Kubernetes API test double for acstor.edge's functional tests (see tests/servers/kube_server.py)."""

from .errors import ApiError
from .server import KubeTestServer

__all__ = ["ApiError", "KubeTestServer"]
