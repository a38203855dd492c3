"""API faults against the ARM and Kubernetes test servers: every fault ends in success after bounded retries or in a
failure whose message says what failed (status, object, timeout); a rerun once the fault is gone converges, and
nothing is duplicated."""

import pytest
from conftest import SUBSCRIPTION, case_block

EXTENSION = "azure-arc-containerstorage"


def extension_task(wait_timeout=60):
    return [
        {
            "name": "extension",
            "acstor.edge.arc_extension": {
                "resource_group": "rg-edge",
                "cluster_name": "store-0042",
                "name": EXTENSION,
                "extension_type": "microsoft.arc.containerstorage",
                "version": "2.12.0",
                "release_train": "stable",
                "scope": "cluster",
                "release_namespace": "azure-arc-containerstorage",
                "identity": "SystemAssigned",
                "wait_timeout": wait_timeout,
                "configuration_settings": {"edgeStorageConfiguration.create": "true"},
            },
            "register": "case_result",
        }
    ]


def run_extension(local_play, arm, wait_timeout=60):
    table, output = local_play.run(
        [case_block("extension", extension_task(wait_timeout))], env=arm.client_env(SUBSCRIPTION)
    )
    return table["extension"], output


def puts(arm):
    return [r for r in arm.state.requests if r["method"] == "PUT" and EXTENSION in r["path"]]


# fault -> (setup, expect success, words the failure message must hold)
ARM_FAULTS = {
    "429 storm longer than the retry budget": (
        lambda s: s.add_fault("PUT", EXTENSION, 429, 50, "0"),
        False,
        ["HTTP 429"],
    ),
    "transient 502 and 503": (
        lambda s: (s.add_fault("PUT", EXTENSION, 502, 1), s.add_fault("GET", EXTENSION, 503, 1)),
        True,
        [],
    ),
    "persistent 500": (
        lambda s: s.add_fault("PUT", EXTENSION, 500, 50, "0", "InternalServerError"),
        False,
        ["HTTP 500", "InternalServerError"],
    ),
    "operation Failed": (
        lambda s: setattr(s.behaviour, "lro_result", "Failed"),
        False,
        ["HelmInstallFailed", "cert-manager not found"],
    ),
    "operation never finishes": (lambda s: setattr(s.behaviour, "lro_polls", 100000), False, ["timed out after"]),
    "token endpoint down": (lambda s: s.add_fault("TOKEN", "", 503, 50), False, ["authentication failed", "503"]),
    "token endpoint blips once": (lambda s: s.add_fault("TOKEN", "", 503, 1), True, []),
}


@pytest.mark.parametrize("fault", list(ARM_FAULTS))
def test_arm_fault_then_rerun_converges(local_play, arm, fault):
    setup, succeeds, words = ARM_FAULTS[fault]
    setup(arm.state)
    outcome, output = run_extension(local_play, arm, wait_timeout=4 if "never" in fault else 60)
    assert outcome["failed"] is not succeeds, (fault, outcome, output[-3000:])
    if not succeeds:
        missing = [w for w in words if w.lower() not in outcome["msg"].lower()]
        assert not missing, "%s: message lacks %s: %s" % (fault, missing, outcome["msg"])
        assert "Traceback" not in outcome["msg"]
    assert len(puts(arm)) <= 6, "retries must be bounded: %d PUTs" % len(puts(arm))
    # the fault goes away (a stuck operation finishes server-side): a rerun converges, a second one changes nothing
    arm.state.faults.clear()
    arm.state.behaviour.lro_result, arm.state.behaviour.lro_polls = "Succeeded", 1
    for resource in arm.state.extensions.values():
        if resource["properties"].get("provisioningState") in ("Creating", "Failed"):
            resource["properties"]["provisioningState"] = "Succeeded"
            resource["properties"].pop("errorInfo", None)
            resource.setdefault("identity", {})["principalId"] = "11111111-2222-3333-4444-555555555555"
    table, output = local_play.run(
        [case_block("rerun", extension_task()), case_block("again", extension_task())], env=arm.client_env(SUBSCRIPTION)
    )
    assert not table["rerun"]["failed"], output[-3000:]
    assert not table["again"]["failed"] and table["again"]["result"]["changed"] is False, output[-3000:]
    assert list(arm.state.extensions) and len(arm.state.extensions) == 1
    assert arm.state.extensions[next(iter(arm.state.extensions))]["properties"]["provisioningState"] == "Succeeded"
    assert arm.state.violations == []


# ---------------------------------------------------------------- Kubernetes

SUBVOLUME = {
    "name": "ingest1",
    "type": "ingest",
    "pvc": "camera",
    "edge_volume": "camera",
    "path": "ingest",
    "endpoint": "https://acct.blob.core.windows.net/",
    "container": "frames",
    "wait": False,
}
CONFIG_PATH = "edgestorageconfigurations"


def kube_tasks(server):
    auth = {"kubeconfig": str(server.kubeconfig_path)}
    return [
        {
            "name": "configuration",
            "acstor.edge.edge_storage_config": dict(auth, wait=False, default_disk_storage_classes=["default"]),
            "register": "case_result",
        },
        {"name": "subvolume", "acstor.edge.edge_subvolume": dict(auth, **SUBVOLUME), "register": "case_result"},
    ]


KUBE_FAULTS = {
    # a write that loses an optimistic-concurrency race
    "409 conflict on the configuration write": ("*", CONFIG_PATH, 409, 1, "Conflict"),
    "409 conflict on the subvolume write": ("*", "ingestsubvolumes", 409, 1, "Conflict"),
    "transient 503 on a read": ("GET", CONFIG_PATH, 503, 1, "ServiceUnavailable"),
    "transient 500 on a write": ("*", "ingestsubvolumes/", 500, 1, "InternalError"),
}


def objects(server, kind):
    return [o for o in server.state.objects.values() if o.get("kind") == kind]


@pytest.mark.parametrize("fault", list(KUBE_FAULTS))
def test_kubernetes_fault_then_rerun_converges(local_play, kube, fault):
    server = kube(edge_api="current")
    server.add(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "camera", "namespace": "default"},
            "spec": {
                "storageClassName": "cloud-backed-sc",
                "accessModes": ["ReadWriteMany"],
                "resources": {"requests": {"storage": "10Gi"}},
            },
        }
    )
    method, path, status, count, reason = KUBE_FAULTS[fault]
    server.state.add_fault(method, path, status, count, reason)
    table, output = local_play.run([case_block("apply", kube_tasks(server))])
    outcome = table["apply"]
    hit = server.state.faults[0]["hits"]
    assert hit == 1, "the fault was never hit (%s): adjust the path" % fault
    if outcome["failed"]:
        assert str(status) in outcome["msg"] or reason.lower() in outcome["msg"].lower(), outcome["msg"]
        assert "Traceback" not in outcome["msg"]
    table, output = local_play.run([case_block("rerun", kube_tasks(server)), case_block("again", kube_tasks(server))])
    assert not table["rerun"]["failed"], table["rerun"]
    assert not table["again"]["failed"] and table["again"]["result"]["changed"] is False, output[-3000:]
    assert len(objects(server, "EdgeStorageConfiguration")) == 1
    assert len(objects(server, "IngestSubvolume")) == 1


def test_missing_crds_are_named_and_nothing_is_written(local_play, kube):
    server = kube(edge_api="none")
    table, _output = local_play.run([case_block("apply", kube_tasks(server))])
    outcome = table["apply"]
    assert outcome["failed"]
    msg = outcome["msg"].lower()
    assert "edgestorageconfiguration" in msg or "arccontainerstorage.azure.net" in msg, outcome["msg"]
    assert "not installed" in msg or "crd" in msg or "not served" in msg, outcome["msg"]
    assert server.writes() == []
