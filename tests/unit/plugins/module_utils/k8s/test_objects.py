"""KubernetesObjects' discovery against the Kubernetes API test double, through kubernetes.core's real client.

What a module run asks the server when it checks which kinds are served (issue 17: no repeated discovery of API
groups per task): the group version's discovery document once, however many kinds are asked about, served or not.
"""

import tempfile
from pathlib import Path

import pytest
from kubernetes import config, dynamic
from kubernetes.client import api_client

from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes_apply as apply
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import KubernetesObjects, holds
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import K8SClient

from kube_server import KubeTestServer

GROUP = "arccontainerstorage.azure.net/v1"


@pytest.fixture
def server():
    with KubeTestServer(edge_api="current") as kube:
        yield kube


def objects_for(server, tmp_path):
    configuration = api_client.Configuration()
    config.load_kube_config(server.kubeconfig(tmp_path / "kubeconfig"), client_configuration=configuration)
    # a discovery cache file of its own, as a first module run on a controller has
    cache = Path(tempfile.mkdtemp(dir=tmp_path)) / "cache.json"
    client = dynamic.DynamicClient(api_client.ApiClient(configuration=configuration), cache_file=str(cache))
    return KubernetesObjects(K8SClient(configuration, client))


def is_discovery(path):
    parts = path.strip("/").split("/")
    return parts[0] == "version" or parts[0] == "api" and len(parts) <= 2 or parts[0] == "apis" and len(parts) <= 3


def discovery(server, since):
    return [entry["path"] for entry in server.access_log[since:] if is_discovery(entry["path"])]


def test_kinds_not_served_cost_one_discovery_request_per_group_version(server, tmp_path):
    objects = objects_for(server, tmp_path)
    before = len(server.access_log)
    served = objects.served_kinds(GROUP, ["EdgeVolume", "IngestSubvolume", "EdgeSubvolume", "EdgeIngestPolicy"])
    assert served == {"EdgeVolume", "IngestSubvolume"}
    assert not objects.serves(GROUP, "EdgeSubvolume")
    assert objects.serves(GROUP, "EdgeStorageConfiguration")
    # kubernetes.core's resource() refreshed /version, /apis and the group for each attempt at a missing kind
    assert discovery(server, before) == ["/apis/" + GROUP]


def test_a_group_the_server_does_not_serve_serves_nothing(server, tmp_path):
    objects = objects_for(server, tmp_path)
    assert objects.served_kinds("nope.example.com/v1", ["Thing"]) == set()
    assert not objects.serves("nope.example.com/v1", "Thing")
    assert objects.serves("v1", "PersistentVolumeClaim")


CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "cache", "namespace": "apps", "labels": {"app.kubernetes.io/managed-by": "acstor.edge"}},
    "spec": {
        "accessModes": ["ReadWriteMany"],
        "resources": {"requests": {"storage": "2Gi"}},
        "storageClassName": "unbacked-sc",
    },
}


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        (None, {"a": 1}, False),
        ({"a": 1, "b": 2}, {"a": 1}, True),
        ({"a": {"b": 1, "c": 2}}, {"a": {"b": 1}}, True),
        ({"a": {"b": 1}}, {"a": {"b": 2}}, False),
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, False),
        # a list is replaced by a merge patch, so it must be equal, not a superset
        ({"a": ["x", "y"]}, {"a": ["x"]}, False),
        ({"a": ["x"]}, {"a": ["x"]}, True),
        ({"a": "x"}, {"a": {"b": 1}}, False),
    ],
)
def test_holds_compares_what_desired_sets(current, desired, expected):
    assert holds(current, desired) is expected


def test_a_claim_read_back_from_the_server_holds_what_was_created(server, tmp_path):
    objects = objects_for(server, tmp_path)
    objects.create(CLAIM)
    current = objects.get("v1", "PersistentVolumeClaim", "cache", "apps")
    # the server adds its own fields (uid, resourceVersion, volumeMode, status, ...): they do not count
    assert holds(current, CLAIM)
    bigger = dict(CLAIM, spec=dict(CLAIM["spec"], resources={"requests": {"storage": "4Gi"}}))
    assert not holds(current, bigger)


def test_an_unchanged_configuration_is_read_once(server, tmp_path):
    objects = objects_for(server, tmp_path)
    desired = ev.render_configuration("edge-storage-configuration", ["local"], None)
    options = apply.WaitOptions(wait=False)
    assert apply.ensure_configuration(objects, desired, "ansible", options)["changed"]
    before = len(server.access_log)
    result = apply.ensure_configuration(objects, desired, "ansible", options)
    assert not result["changed"]
    reads = [e["path"] for e in server.access_log[before:] if e["method"] == "GET" and not is_discovery(e["path"])]
    assert reads == ["/apis/" + GROUP + "/edgestorageconfigurations/edge-storage-configuration"]
