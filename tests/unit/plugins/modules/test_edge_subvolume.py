"""edge_subvolume and edge_storage_config modules against a fake dynamic client."""

import types

import pytest
from kubernetes.dynamic.exceptions import ForbiddenError

from ansible_collections.acstor.edge.plugins.modules import edge_storage_config, edge_subvolume, edge_volumes_plan

from .fake_dynamic_client import CORE, CURRENT, LEGACY, FakeClient

PVC = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "cam", "namespace": "default"},
    "spec": {"storageClassName": "cloud-backed-sc"},
    "status": {"phase": "Bound"},
}
EDGE_VOLUME = {
    "apiVersion": "arccontainerstorage.azure.net/v1",
    "kind": "EdgeVolume",
    "metadata": {"name": "cam", "namespace": "default"},
    "status": {"state": "deployed"},
}
INGEST_ARGS = {
    "name": "cam-ingest",
    "type": "ingest",
    "pvc": "cam",
    "path": "ingest",
    "endpoint": "https://a.blob.core.windows.net/",
    "container": "frames",
    "ingest_min_delay_sec": 60,
    "wait_sleep": 0,
}


def existing_ingest(spec):
    """The IngestSubvolume cam-ingest as someone (or an earlier version of the module) left it in the cluster."""
    return {
        "apiVersion": "arccontainerstorage.azure.net/v1",
        "kind": "IngestSubvolume",
        "metadata": {"name": "cam-ingest", "namespace": "default"},
        "spec": spec,
    }


def client(kinds=None, extra=()):
    return FakeClient(kinds if kinds is not None else CURRENT + CORE, [PVC, EDGE_VOLUME] + list(extra))


def test_create_then_idempotent_then_change(run_module):
    fake = client()
    failed, result = run_module(edge_subvolume, INGEST_ARGS, fake)
    assert not failed and result["changed"] and result["kind"] == "IngestSubvolume"
    stored = fake.objects[("IngestSubvolume", "default", "cam-ingest")]
    assert stored["spec"]["ingest"] == {"minDelaySec": 60} and stored["spec"]["onDelete"] == "trigger-immediate-ingest"
    failed, result = run_module(edge_subvolume, INGEST_ARGS, fake)
    assert not failed and not result["changed"] and result["actions"] == []
    failed, result = run_module(edge_subvolume, dict(INGEST_ARGS, ingest_min_delay_sec=120, _ansible_diff=True), fake)
    assert (
        result["changed"]
        and fake.objects[("IngestSubvolume", "default", "cam-ingest")]["spec"]["ingest"]["minDelaySec"] == 120
    )
    assert result["diff"]["before"]["IngestSubvolume/cam-ingest"]["ingest"]["minDelaySec"] == 60
    assert fake.calls == [("create", "IngestSubvolume", "cam-ingest"), ("patch", "IngestSubvolume", "cam-ingest")]


def test_check_mode_writes_nothing(run_module):
    fake = client()
    failed, result = run_module(edge_subvolume, dict(INGEST_ARGS, _ansible_check_mode=True), fake)
    assert not failed and result["changed"] and fake.calls == []


def test_conflict_is_retried(run_module):
    fake = client(extra=[existing_ingest({"path": "old"})])
    fake.conflicts = 1
    failed, result = run_module(edge_subvolume, INGEST_ARGS, fake)
    assert not failed and result["changed"]
    assert fake.calls == [("patch", "IngestSubvolume", "cam-ingest")] * 2


def test_legacy_kinds(run_module):
    fake = client(LEGACY + CORE)
    failed, result = run_module(edge_subvolume, dict(INGEST_ARGS, ingest_order="oldest-first"), fake)
    assert not failed and result["api"] == "legacy" and result["kind"] == "EdgeSubvolume"
    assert fake.objects[("EdgeSubvolume", "default", "cam-ingest")]["spec"]["ingestPolicy"] == "cam-ingest-policy"
    assert fake.objects[("EdgeIngestPolicy", "default", "cam-ingest-policy")]["spec"]["ingest"] == {
        "order": "oldest-first",
        "minDelaySec": 60,
    }
    mirror = {
        "name": "m",
        "type": "mirror",
        "pvc": "cam",
        "path": "m",
        "endpoint": "https://a.blob.core.windows.net/",
        "container": "models",
    }
    failed, result = run_module(edge_subvolume, mirror, fake)
    assert failed and "mirror needs the MirrorSubvolume kind" in result["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(INGEST_ARGS, path="/abs"), "path: '/abs' must not start with a slash"),
        (dict(INGEST_ARGS, ingest_min_delay_sec=40000000), "ingest_min_delay_sec: must be between 0 and 31536000"),
        (dict(INGEST_ARGS, name="Cam"), "name: 'Cam' is invalid"),
        (dict(INGEST_ARGS, resync=True), "resync: applies to mirror subvolumes only"),
        (dict(INGEST_ARGS, pvc="missing"), "pvc missing does not exist in namespace default"),
    ],
)
def test_bad_input_writes_nothing(run_module, args, message):
    fake = client()
    failed, result = run_module(edge_subvolume, args, fake)
    assert failed and message in result["msg"]
    assert fake.calls == []


def test_missing_crd_names_the_extension(run_module):
    fake = client(CORE)
    failed, result = run_module(edge_subvolume, INGEST_ARGS, fake)
    assert failed and "is not installed, or not yet configured" in result["msg"]


def test_pvc_on_local_class_is_refused(run_module):
    fake = FakeClient(CURRENT + CORE, [dict(PVC, spec={"storageClassName": "unbacked-sc"}), EDGE_VOLUME])
    failed, result = run_module(edge_subvolume, INGEST_ARGS, fake)
    assert failed and "uses storage class 'unbacked-sc'" in result["msg"]


def test_wait_times_out_when_volume_never_deploys(run_module):
    fake = FakeClient(CURRENT + CORE, [PVC, dict(EDGE_VOLUME, status={"state": "pending"})])
    failed, result = run_module(edge_subvolume, dict(INGEST_ARGS, wait_timeout=0), fake)
    assert failed and "EdgeVolume default/cam to reach state deployed" in result["msg"] and fake.calls == []


def test_mirror_resync_sets_a_new_uuid_each_time(run_module):
    fake = client()
    args = {
        "name": "models",
        "type": "mirror",
        "pvc": "cam",
        "path": "models",
        "endpoint": "https://a.blob.core.windows.net/",
        "container": "models",
        "schedule": "@daily",
        "wait": False,
    }
    assert run_module(edge_subvolume, args, fake)[1]["changed"]
    assert not run_module(edge_subvolume, args, fake)[1]["changed"]
    run_module(edge_subvolume, dict(args, resync=True), fake)
    first = fake.objects[("MirrorSubvolume", "default", "models")]["spec"]["schedule"]["oneshot"]
    assert not run_module(edge_subvolume, args, fake)[1]["changed"], "a plain rerun keeps the last oneshot"
    assert run_module(edge_subvolume, dict(args, resync=True), fake)[1]["changed"]
    assert fake.objects[("MirrorSubvolume", "default", "models")]["spec"]["schedule"]["oneshot"] != first


def test_abandon_delete_needs_the_flag(run_module):
    fake = client(extra=[existing_ingest({"onDelete": "abandon"})])
    failed, result = run_module(edge_subvolume, dict(INGEST_ARGS, state="absent"), fake)
    assert failed and "onDelete is abandon" in result["msg"] and fake.calls == []
    failed, result = run_module(edge_subvolume, dict(INGEST_ARGS, state="absent", allow_data_loss=True), fake)
    assert not failed and result["changed"] and fake.calls == [("delete", "IngestSubvolume", "cam-ingest")]


def test_storage_config_owner_extension_only_patches_given_fields(run_module):
    existing = {
        "apiVersion": "arccontainerstorage.azure.net/v1",
        "kind": "EdgeStorageConfiguration",
        "metadata": {
            "name": "edge-storage-configuration",
            "annotations": {"meta.helm.sh/release-name": "azure-arc-containerstorage"},
        },
        "spec": {"defaultDiskStorageClasses": ["default", "local-path"]},
    }
    fake = FakeClient(CURRENT + CORE, [existing])
    identity = {
        "client_id": "00000000-0000-0000-0000-000000000001",
        "tenant_id": "00000000-0000-0000-0000-000000000002",
    }
    failed, result = run_module(edge_storage_config, {"owner": "extension", "workload_identity": identity}, fake)
    assert not failed and result["changed"] and result["created_by_extension"]
    spec = fake.objects[("EdgeStorageConfiguration", None, "edge-storage-configuration")]["spec"]
    assert spec == {
        "defaultDiskStorageClasses": ["default", "local-path"],
        "workloadIdentity": {"clientID": identity["client_id"], "tenantID": identity["tenant_id"]},
    }
    failed, result = run_module(edge_storage_config, {"owner": "extension", "state": "absent"}, fake)
    assert failed and "belongs to the Arc extension" in result["msg"]


def test_storage_config_waits_for_the_extension(run_module):
    fake = FakeClient(CURRENT + CORE)
    failed, result = run_module(edge_storage_config, {"owner": "extension", "wait_timeout": 0, "wait_sleep": 0}, fake)
    assert failed and "the extension to create EdgeStorageConfiguration" in result["msg"] and fake.calls == []


def test_plan_refuses_mounted_pvc_and_invalid_lists(run_module):
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "writer", "namespace": "default"},
        "spec": {"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "cam"}}]},
        "status": {"phase": "Running"},
    }
    fake = client(extra=[pod])
    volumes = [{"name": "cam", "kind": "cloud", "size": "1Gi"}]
    failed, result = run_module(edge_volumes_plan, {"volumes": volumes, "state": "absent"}, fake)
    assert failed and "volume default/cam: PVC is mounted by running pod(s) writer" in result["msg"]
    failed, result = run_module(edge_volumes_plan, {"volumes": volumes + [{"name": "x", "size": "lots"}]}, fake)
    assert failed and "volumes[1].size: 'lots' is not a Kubernetes quantity" in result["msg"] and fake.calls == []


class _Forbidding(FakeClient):
    def create(self, resource, body=None, **params):
        raise _forbidden()


def _forbidden():
    return ForbiddenError(
        types.SimpleNamespace(
            status=403, reason="Forbidden", headers={}, body='{"message": "ingestsubvolumes is forbidden"}'
        )
    )


def test_an_api_error_fails_the_module_with_status_and_message(run_module):
    fake = _Forbidding(CURRENT + CORE, [PVC, EDGE_VOLUME])
    failed, result = run_module(edge_subvolume, INGEST_ARGS, fake)
    assert failed and result["msg"].startswith("Kubernetes API error 403"), result["msg"]
    assert "ingestsubvolumes is forbidden" in result["msg"]


class _Broken(FakeClient):
    def create(self, resource, body=None, **params):
        raise KeyError("spec")


def test_a_bug_is_not_reported_as_an_input_or_cluster_problem(run_module):
    """The wrapper catches our errors and the Kubernetes client's, not Exception: a bug keeps its traceback."""
    with pytest.raises(KeyError):
        run_module(edge_subvolume, INGEST_ARGS, _Broken(CURRENT + CORE, [PVC, EDGE_VOLUME]))
