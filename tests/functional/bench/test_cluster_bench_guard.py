"""A CI-sized version of the cluster side of `make bench` (issue 17, P5/P5b): fails when a no-op rollout gets slower
per cluster as clusters are added, or starts asking the servers more.

playbooks/rollout.yml over 1 and then 4 clusters against the ARM and Kubernetes test servers (tests/bench/cluster_bench.py:
the local CSI driver, the Arc extension and two Edge Volumes each), one converge and one no-op rerun per size. Ratios
only: CPU per cluster at 4 ÷ at 1, and the no-op's requests per cluster, which do not depend on the machine's load.
No lab VM. Its numbers go to tests/output/bench-guard.json (key "cluster").
"""

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import benchcalc as bc  # noqa: E402  pylint: disable=wrong-import-position,import-error
import benchlib as bl  # noqa: E402  pylint: disable=wrong-import-position,import-error
import cluster_bench as cb  # noqa: E402  pylint: disable=wrong-import-position,import-error

SIZES = [1, 4]
# The bench's bounds are 1.2 (P5, CPU per cluster 100 ÷ 10) and 1.3 (P5b); from 1 to 4 clusters the fixed cost of
# the rollout's own plays (plan, batch policy, report on localhost) is shared by more clusters, so the ratio is
# below 1 when nothing grows per cluster. About twice docs/benchmarks.md's figures: a per-cluster O(n) walk fails it.
MAX_CPU_PER_CLUSTER_GROWTH = 1.5
# Requests per cluster on a no-op (docs/benchmarks.md, cluster side: 10 discovery requests and no write at all: the
# StorageClass and the PVCs are read by the plan modules and written only when they differ, issue 17).
# Deterministic: any growth is a change.
MAX_DISCOVERY_PER_CLUSTER = 14
NO_OP_WRITES = ("POST", "PUT", "PATCH", "DELETE", "ARM PUT", "ARM PATCH", "ARM DELETE")


RESULTS = bl.REPO / "tests" / "output" / "bench-guard.json"


def _record(key, value):
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = value
    RESULTS.write_text(json.dumps(data, indent=1, default=str) + "\n")


def _missing():
    if not (cb.HELM_DIR / "helm").exists():
        return "helm v3 missing (bash tests/servers/get-helm.sh)"
    if not cb.SHARED_REFERENCE.is_dir():
        return f"{cb.SHARED_REFERENCE} missing (the ARM test server validates against its OpenAPI specs)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=f"cluster bench guard skipped: {_missing()}")


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    found = cb.run_clusters(SIZES, 1, tmp_path_factory.mktemp("cluster-guard"))["table"]
    _record("cluster", {"table": found, "targets": bc.cluster_verdicts(found)})
    return {row["clusters"]: row for row in found}


def test_noop_cpu_per_cluster_stays_flat(table):
    growth = bc.cluster_verdicts(list(table.values()))["P5"]["value"]
    per_cluster = {n: row["cpu_per_cluster_s"] for n, row in table.items()}
    assert growth <= MAX_CPU_PER_CLUSTER_GROWTH, (
        f"controller CPU per cluster grew {growth:.2f}× from {SIZES[0]} to {SIZES[-1]} clusters ({per_cluster}); "
        f"bound {MAX_CPU_PER_CLUSTER_GROWTH}. Profile with tests/bench/run_bench.py --only cluster"
    )


@pytest.mark.parametrize("clusters", SIZES)
def test_noop_asks_each_cluster_once(table, clusters):
    requests = table[clusters]["requests_per_cluster"]
    assert requests.get("discovery", 0) <= MAX_DISCOVERY_PER_CLUSTER, requests
    assert not [kind for kind in NO_OP_WRITES if requests.get(kind)], requests
    assert table[clusters]["changed"] == [0]


def test_bench_error_stops_the_servers(tmp_path, monkeypatch):
    """A failed run stops the test servers it started (the bench runs them in its own process)."""
    started = []
    real = cb.KubeTestServer.start

    def recording_start(server):
        started.append(server)
        return real(server)

    monkeypatch.setattr(cb.KubeTestServer, "start", recording_start)
    monkeypatch.setattr(cb, "ROLLOUT", tmp_path / "missing.yml")
    with pytest.raises(bl.BenchError):
        cb.run_clusters([2], 1, tmp_path)
    assert len(started) == 2
    for server in started:
        with pytest.raises(OSError):
            server.httpd.socket.getsockname()


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/version", "discovery"),
        ("GET", "/apis", "discovery"),
        ("GET", "/api/v1", "discovery"),
        ("GET", "/apis/apps/v1", "discovery"),
        ("GET", "/apis/apps/v1/namespaces/kube-system/daemonsets/csi-local-node", "GET"),
        ("GET", "/apis/apps/v1/namespaces/kube-system/daemonsets", "GET list"),
        ("GET", "/api/v1/namespaces/kube-system/secrets", "GET list"),
        ("GET", "/api/v1/namespaces/apps", "GET"),
        ("GET", "/apis/storage.k8s.io/v1/storageclasses/local", "GET"),
        ("GET", "/apis/storage.k8s.io/v1/storageclasses", "GET list"),
        ("PATCH", "/api/v1/namespaces/apps/persistentvolumeclaims/cache", "PATCH"),
    ],
)
def test_request_kinds(method, path, kind):
    assert cb.request_kind(method, path) == kind
