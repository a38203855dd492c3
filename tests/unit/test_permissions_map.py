"""tests/permissions_map.py: requests map to the permission they need, and a call the shipped roles lack is refused."""

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from permissions_map import (  # noqa: E402  pylint: disable=wrong-import-position
    KubeGrants,
    arm_action,
    kube_request,
    rbac_objects,
    uncovered_arm_requests,
    uncovered_kube_requests,
)

PERMISSIONS = REPO / "docs" / "permissions"
SUBJECT = {"kind": "ServiceAccount", "name": "acstor-edge", "namespace": "kube-system"}
CLUSTER = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Kubernetes/connectedClusters/c1"
ACCOUNT = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/edgeingest"


def shipped_grants():
    return KubeGrants(rbac_objects((PERMISSIONS / "kubernetes-rbac.yaml").read_text()), SUBJECT)


def shipped_azure_roles():
    return [json.loads(path.read_text()) for path in sorted(PERMISSIONS.glob("azure-role-*.json"))]


def test_arm_paths_map_to_the_action_of_the_last_provider():
    extension = CLUSTER + "/providers/Microsoft.KubernetesConfiguration/extensions/acsa"
    assert arm_action("PUT", extension) == "Microsoft.KubernetesConfiguration/extensions/write"
    assert arm_action("PATCH", extension) == "Microsoft.KubernetesConfiguration/extensions/write"
    assert (
        arm_action("GET", extension + "/operations/123")
        == "Microsoft.KubernetesConfiguration/extensions/operations/read"
    )
    assert (
        arm_action("GET", "/subscriptions/s/providers/Microsoft.Kubernetes/connectedClusters")
        == "Microsoft.Kubernetes/connectedClusters/read"
    )
    assert (
        arm_action("DELETE", ACCOUNT + "/providers/Microsoft.Authorization/roleAssignments/abc")
        == "Microsoft.Authorization/roleAssignments/delete"
    )
    assert arm_action("POST", ACCOUNT + "/listKeys") == "Microsoft.Storage/storageAccounts/listKeys/action"
    assert arm_action("GET", "/subscriptions/s") is None


def test_an_arm_call_outside_the_shipped_azure_roles_is_refused():
    allowed = {"method": "PUT", "path": ACCOUNT + "/providers/Microsoft.Authorization/roleAssignments/abc"}
    keys = {"method": "POST", "path": ACCOUNT + "/listKeys"}
    cluster_write = {"method": "PUT", "path": CLUSTER}
    unmappable = {"method": "GET", "path": "/subscriptions/s"}
    assert uncovered_arm_requests([allowed], shipped_azure_roles()) == []
    assert uncovered_arm_requests([allowed, keys, cluster_write, unmappable], shipped_azure_roles()) == [
        ("POST", keys["path"], "Microsoft.Storage/storageAccounts/listKeys/action"),
        ("PUT", CLUSTER, "Microsoft.Kubernetes/connectedClusters/write"),
        ("GET", "/subscriptions/s", None),
    ]


def test_kubernetes_paths_map_to_verb_resource_and_namespace():
    claim = kube_request("GET", "/api/v1/namespaces/default/persistentvolumeclaims/camera")
    assert (claim.verb, claim.group, claim.resource, claim.namespace, claim.name) == (
        "get",
        "",
        "persistentvolumeclaims",
        "default",
        "camera",
    )
    assert kube_request("GET", "/apis/apps/v1/daemonsets", {"labelSelector": "a=b"}).verb == "list"
    assert kube_request("GET", "/apis/apps/v1/daemonsets", {"watch": "true"}).verb == "watch"
    assert kube_request("PATCH", "/apis/storage.k8s.io/v1/storageclasses/local").verb == "patch"
    assert kube_request("DELETE", "/api/v1/namespaces/kube-system/secrets").verb == "deletecollection"
    status = kube_request("PUT", "/apis/apps/v1/namespaces/kube-system/daemonsets/x/status")
    assert (status.verb, status.resource, status.subresource) == ("update", "daemonsets", "status")
    assert not kube_request("GET", "/apis/apps/v1").resource_request


def test_a_kubernetes_call_outside_the_shipped_rbac_is_refused():
    grants = shipped_grants()
    log = [
        {"method": "GET", "path": "/apis", "query": {}},
        {"method": "POST", "path": "/api/v1/namespaces/team-a/persistentvolumeclaims", "query": {}},
        {"method": "POST", "path": "/api/v1/namespaces/kube-system/secrets", "query": {}},
        # Helm's release Secrets are allowed in the release namespace only, not in a user's namespace.
        {"method": "GET", "path": "/api/v1/namespaces/team-a/secrets/x", "query": {}},
        {"method": "DELETE", "path": "/api/v1/persistentvolumes/pvc-1", "query": {}},
        {
            "method": "GET",
            "path": "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io",
            "query": {},
        },
        {
            "method": "GET",
            "path": "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/other.example.com",
            "query": {},
        },
        {"method": "GET", "path": "/api/v1/namespaces/default/pods", "query": {"watch": "true"}},
        {"method": "GET", "path": "/healthz", "query": {}},
    ]
    assert uncovered_kube_requests(log, grants) == [
        "get secrets x in namespace team-a",
        "delete persistentvolumes pvc-1",
        "get customresourcedefinitions.apiextensions.k8s.io other.example.com",
        "watch pods in namespace default",
        "get /healthz",
    ]


def test_only_the_bound_subject_gets_the_rules():
    documents = rbac_objects((PERMISSIONS / "kubernetes-rbac.yaml").read_text())
    other = KubeGrants(documents, {"kind": "ServiceAccount", "name": "acstor-edge", "namespace": "default"})
    assert uncovered_kube_requests([{"method": "GET", "path": "/apis", "query": {}}], other) == ["get /apis"]
