"""Edge Volumes validation and rendering (pure functions), table-driven."""

import json
from pathlib import Path

import jsonschema
import pytest

from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev

import cluster_examples as examples

SCHEMA = json.loads((Path(__file__).resolve().parents[4] / "schemas" / "edge_volumes.schema.json").read_text())

# the shared valid subvolumes (cluster_examples) as edge_subvolume takes them: in a namespace, on a PVC
INGEST = dict(examples.INGEST, namespace="media", pvc="cam", auth_type="MANAGED_IDENTITY")
MIRROR = dict(INGEST, name="models", type="mirror", path="models", container="models")


def spec(base, **changes):
    values = dict(base)
    values.update(changes)
    return ev.SubvolumeSpec(**values)


# (case id, base, changes, expected fragment of the single error; None = valid)
SUBVOLUME_CASES = [
    ("valid ingest", INGEST, {}, None),
    ("valid mirror", MIRROR, {"schedule": "@hourly", "index_tags_mode": "NoIndexTags"}, None),
    ("valid cron", MIRROR, {"schedule": "*/15 * * * *"}, None),
    (
        "valid onelake",
        INGEST,
        {"endpoint": "https://contoso.dfs.fabric.microsoft.com", "container": "ws/lake.Datalake/Files"},
        None,
    ),
    ("delay upper bound", INGEST, {"ingest_min_delay_sec": 31536000, "eviction_min_delay_sec": 0}, None),
    ("uppercase name", INGEST, {"name": "Cam"}, "name: 'Cam' is invalid: a DNS-1123 label"),
    ("underscore namespace", INGEST, {"namespace": "my_ns"}, "namespace: 'my_ns' is invalid"),
    ("leading slash", INGEST, {"path": "/ingest"}, "path: '/ingest' must not start with a slash"),
    ("dotdot path", INGEST, {"path": "a/../b"}, "path: 'a/../b' must be a plain relative directory"),
    ("missing path", INGEST, {"path": None}, "path: is required"),
    ("bad type", INGEST, {"type": "cache"}, "type: 'cache' is not one of ingest, mirror"),
    ("bad auth", INGEST, {"auth_type": "KEY"}, "auth_type: 'KEY' is not one of"),
    (
        "http endpoint",
        INGEST,
        {"endpoint": "http://acct.blob.core.windows.net/"},
        "endpoint: 'http://acct.blob.core.windows.net/' is not an https URL",
    ),
    (
        "endpoint with container",
        INGEST,
        {"endpoint": "https://acct.blob.core.windows.net/frames"},
        "must be the account endpoint only",
    ),
    ("uppercase host", INGEST, {"endpoint": "https://Acct.blob.core.windows.net/"}, "lowercase fully qualified host"),
    ("bad container", INGEST, {"container": "Frames_1"}, "is not a blob container name"),
    ("double dash container", INGEST, {"container": "a--b"}, "is not a blob container name"),
    (
        "bad onelake container",
        INGEST,
        {"endpoint": "https://contoso.dfs.fabric.microsoft.com", "container": "frames"},
        "is not a OneLake path",
    ),
    ("ingest order", INGEST, {"ingest_order": "fifo"}, "ingest_order: 'fifo' is not one of oldest-first, newest-first"),
    ("eviction order", INGEST, {"eviction_order": "lru"}, "eviction_order: 'lru' is not one of unordered, never"),
    ("negative delay", INGEST, {"ingest_min_delay_sec": -1}, "ingest_min_delay_sec: must be between 0 and 31536000"),
    (
        "delay too big",
        INGEST,
        {"eviction_min_delay_sec": 31536001},
        "eviction_min_delay_sec: must be between 0 and 31536000",
    ),
    ("delay not a number", INGEST, {"ingest_min_delay_sec": "soon"}, "must be a whole number of seconds"),
    ("on delete", INGEST, {"on_delete": "keep"}, "on_delete: 'keep' is not one of"),
    (
        "mirror field on ingest",
        INGEST,
        {"schedule": "@daily"},
        "schedule: is set but applies to mirror subvolumes only",
    ),
    (
        "ingest field on mirror",
        MIRROR,
        {"on_delete": "abandon"},
        "on_delete: is set but applies to ingest subvolumes only",
    ),
    ("index tags", MIRROR, {"index_tags_mode": "All"}, "index_tags_mode: 'All' is not one of"),
    ("schedule", MIRROR, {"schedule": "every hour"}, "schedule: 'every hour' has 2 field(s)"),
    ("prefix slash", MIRROR, {"blob_name_prefix": "/raw"}, "blob_name_prefix: '/raw' must be a blob name prefix"),
]


@pytest.mark.parametrize("case_id, base, changes, expected", SUBVOLUME_CASES, ids=[c[0] for c in SUBVOLUME_CASES])
def test_validate_subvolume(case_id, base, changes, expected):
    errors = ev.validate_subvolume(spec(base, **changes))
    if expected is None:
        assert errors == []
    else:
        assert len(errors) == 1, errors
        assert expected in errors[0]
        assert errors[0].endswith(")")  # '(rule <id>)'


def test_legacy_api_refuses_mirror_and_on_delete():
    assert "mirror needs the MirrorSubvolume kind" in ev.validate_subvolume_for_api(spec(MIRROR), ev.API_LEGACY)[0]
    assert (
        "on_delete: is not supported"
        in ev.validate_subvolume_for_api(spec(INGEST, on_delete="abandon"), ev.API_LEGACY)[0]
    )
    assert (
        "ingest_policy: applies to the legacy"
        in ev.validate_subvolume_for_api(spec(INGEST, ingest_policy="p"), ev.API_CURRENT)[0]
    )


@pytest.mark.parametrize(
    "requested, served, version, expected",
    [
        ("auto", {"IngestSubvolume", "MirrorSubvolume", "EdgeSubvolume"}, None, "current"),
        ("auto", {"EdgeSubvolume", "EdgeIngestPolicy"}, None, "legacy"),
        ("auto", {"IngestSubvolume", "EdgeSubvolume"}, "2.7.1", "legacy"),
        ("auto", {"IngestSubvolume", "EdgeSubvolume"}, "2.8.2", "current"),
        ("auto", {"IngestSubvolume", "EdgeSubvolume"}, "2.12.0", "current"),
        ("legacy", {"IngestSubvolume", "EdgeSubvolume"}, None, "legacy"),
    ],
)
def test_choose_api(requested, served, version, expected):
    assert ev.choose_api(requested, served, version) == expected


@pytest.mark.parametrize(
    "requested, served, message",
    [
        ("auto", set(), "extension (microsoft.arc.containerstorage) is not installed, or not yet configured"),
        ("current", {"EdgeSubvolume"}, "api current needs kind IngestSubvolume"),
        ("auto", {"EdgeSubvolume"}, None),
    ],
)
def test_choose_api_errors(requested, served, message):
    if message is None:
        ev.choose_api(requested, served)
        return
    with pytest.raises(ev.EdgeVolumesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ev.choose_api(requested, served)


def validate_schema(obj):
    jsonschema.validate(
        obj, {"$ref": "#/$defs/" + obj["kind"], "$defs": SCHEMA["$defs"]}, format_checker=jsonschema.FormatChecker()
    )


@pytest.mark.parametrize(
    "base, changes, api, kinds",
    [
        (INGEST, {}, ev.API_CURRENT, ["IngestSubvolume"]),
        (
            INGEST,
            {
                "ingest_order": "newest-first",
                "ingest_min_delay_sec": 60,
                "eviction_order": "never",
                "eviction_min_delay_sec": 300,
                "on_delete": "abandon",
            },
            ev.API_CURRENT,
            ["IngestSubvolume"],
        ),
        (
            MIRROR,
            {"schedule": "@daily", "index_tags_mode": "MirrorIndexTags", "blob_name_prefix": "raw/"},
            ev.API_CURRENT,
            ["MirrorSubvolume"],
        ),
        (INGEST, {}, ev.API_LEGACY, ["EdgeSubvolume"]),
        (INGEST, {"ingest_order": "oldest-first"}, ev.API_LEGACY, ["EdgeIngestPolicy", "EdgeSubvolume"]),
        (INGEST, {"ingest_policy": "shared-policy"}, ev.API_LEGACY, ["EdgeSubvolume"]),
    ],
)
def test_rendered_objects_match_schema(base, changes, api, kinds):
    objects = ev.render_subvolume(spec(base, **changes), api, oneshot=ev.new_oneshot() if base is MIRROR else None)
    assert [o["kind"] for o in objects] == kinds
    for obj in objects:
        validate_schema(obj)


def test_schema_rejects_what_validation_rejects():
    """The schema is a second opinion: a hand-made bad object fails it."""
    bad = ev.render_subvolume(spec(INGEST), ev.API_CURRENT)[0]
    bad["spec"]["ingest"] = {"minDelaySec": 31536001}
    with pytest.raises(jsonschema.ValidationError):
        validate_schema(bad)
    bad["spec"].pop("ingest")
    bad["spec"]["storageaccountendpoint"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        validate_schema(bad)


def test_ingest_defaults_to_safe_on_delete_and_omits_unset_fields():
    obj = ev.render_subvolume(spec(INGEST), ev.API_CURRENT)[0]
    assert obj["spec"]["onDelete"] == "trigger-immediate-ingest"
    assert "ingest" not in obj["spec"] and "eviction" not in obj["spec"]
    legacy = ev.render_subvolume(spec(INGEST), ev.API_LEGACY)[0]
    assert legacy["spec"]["ingestPolicy"] == ev.LEGACY_DEFAULT_POLICY


def test_configuration_render_and_validation():
    obj = ev.render_configuration(
        "edge-storage-configuration",
        ["default", "local-path"],
        {"client_id": "00000000-0000-0000-0000-000000000001", "tenant_id": "00000000-0000-0000-0000-000000000002"},
    )
    validate_schema(obj)
    errors = ev.validate_configuration(
        "edge-storage-configuration",
        ["Local_Path"],
        {"client_id": "x", "tenant_id": "00000000-0000-0000-0000-000000000002"},
    )
    assert any("default_disk_storage_classes[0]" in e for e in errors)
    assert any("workload_identity.client_id: 'x' is not a GUID" in e for e in errors)


def test_plan_object_compares_only_owned_fields():
    desired = ev.render_subvolume(spec(INGEST), ev.API_CURRENT)[0]
    current = json.loads(json.dumps(desired))
    current["spec"]["ingest"] = {"order": "oldest-first", "minDelaySec": 60}  # server-side default, not ours
    current["status"] = {"state": "ok"}
    assert ev.plan_object(desired, current) == ("none", None)
    current["spec"]["path"] = "other"
    action, patch = ev.plan_object(desired, current)
    assert action == "update" and patch["spec"]["path"] == "ingest"
    assert ev.plan_object(desired, None)[0] == "create"


VOLUME_LIST_CASES = [
    ("valid", examples.VOLUMES, []),
    ("bad size", [{"name": "scratch", "size": "2 GB"}], ["volumes[0].size: '2 GB' is not a Kubernetes quantity"]),
    (
        "bad kind",
        [{"name": "scratch", "size": "1Gi", "kind": "nfs"}],
        ["volumes[0].kind: 'nfs' is not one of local_shared, cloud"],
    ),
    ("unknown key", [{"name": "scratch", "size": "1Gi", "sise": "1Gi"}], ["volumes[0]: has unknown field(s) sise"]),
    ("no name", [{"size": "1Gi"}], ["volumes[0].name: is required"]),
    (
        "duplicate",
        [{"name": "a", "size": "1Gi"}, {"name": "a", "size": "1Gi"}],
        ["volumes[1].name: 'a' is listed twice in namespace default (also volumes[0])"],
    ),
    (
        "subvolume on local",
        [{"name": "a", "size": "1Gi", "subvolumes": [{"name": "x", "type": "ingest"}]}],
        ["volumes[0].subvolumes: need kind: cloud"],
    ),
    (
        "subvolume field",
        [
            {
                "name": "cam",
                "kind": "cloud",
                "size": "1Gi",
                "subvolumes": [
                    {
                        "name": "x",
                        "type": "ingest",
                        "path": "/abs",
                        "endpoint": "https://a.blob.core.windows.net/",
                        "container": "frames",
                    }
                ],
            }
        ],
        ["volumes[0].subvolumes[0].path: '/abs' must not start with a slash"],
    ),
    (
        "bad access mode",
        [{"name": "a", "size": "1Gi", "access_modes": ["RWX"]}],
        ["volumes[0].access_modes[0]: 'RWX' is not one of"],
    ),
]


@pytest.mark.parametrize("case_id, volumes, expected", VOLUME_LIST_CASES, ids=[c[0] for c in VOLUME_LIST_CASES])
def test_normalize_volume_list(case_id, volumes, expected):
    pvcs, subvolumes, errors = ev.normalize_volume_list(volumes)
    assert len(errors) == len(expected), errors
    for fragment, error in zip(expected, errors, strict=True):
        assert error.startswith(fragment), error
    if not expected:
        assert [p["spec"]["storageClassName"] for p in pvcs] == ["unbacked-sc", "cloud-backed-sc"]
        assert subvolumes[0]["pvc"] == examples.CLOUD_VOLUME["name"] and subvolumes[0]["namespace"] == "default"


def test_local_shared_pvcs_come_first_whatever_the_list_order():
    pvcs, _subs, errors = ev.normalize_volume_list(
        [{"name": "c", "kind": "cloud", "size": "1Gi"}, {"name": "l", "size": "1Gi"}]
    )
    assert not errors
    assert [p["metadata"]["name"] for p in pvcs] == ["l", "c"]


def test_pods_mounting_ignores_finished_pods_and_other_claims():
    def pod(name, claim, phase):
        return {
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"volumes": [{"persistentVolumeClaim": {"claimName": claim}}]},
            "status": {"phase": phase},
        }

    pods = [pod("w1", "a", "Running"), pod("done", "a", "Succeeded"), pod("w2", "z", "Running")]
    assert ev.pods_mounting(pods, "default", ["a", "b"]) == {"a": ["w1"]}


def test_the_ownership_label_is_rendered_and_added_to_an_unlabelled_object():
    desired = ev.render_subvolume(spec(INGEST), ev.API_CURRENT, labels=ev.OWNER_LABELS)[0]
    assert desired["metadata"]["labels"] == {"acstor.edge/owned-by": "edge_volumes"}
    current = json.loads(json.dumps(desired))
    current["metadata"]["labels"] = {"app": "cam"}  # applied before the label existed, plus someone's own label
    action, patch = ev.plan_object(desired, current)
    assert action == "update" and patch["metadata"] == {"labels": {"acstor.edge/owned-by": "edge_volumes"}}
    current["metadata"]["labels"]["acstor.edge/owned-by"] = "edge_volumes"
    assert ev.plan_object(desired, current) == ("none", None)
    legacy = ev.render_subvolume(spec(INGEST, ingest_order="oldest-first"), ev.API_LEGACY, labels=ev.OWNER_LABELS)
    assert [obj["metadata"]["labels"] for obj in legacy] == [ev.OWNER_LABELS, ev.OWNER_LABELS]
    assert "labels" not in ev.render_subvolume(spec(INGEST), ev.API_CURRENT)[0]["metadata"]


def test_pvcs_carry_the_ownership_label_beside_the_volume_labels():
    pvcs, _subvolumes, errors = ev.normalize_volume_list([{"name": "scratch", "size": "2Gi", "labels": {"app": "x"}}])
    assert errors == [] and pvcs[0]["metadata"]["labels"] == {"app": "x", "acstor.edge/owned-by": "edge_volumes"}
    _pvcs, _subvolumes, errors = ev.normalize_volume_list(
        [{"name": "scratch", "size": "2Gi", "labels": {"acstor.edge/owned-by": "me"}}]
    )
    assert errors == [
        "volumes[0].labels: must not set acstor.edge/owned-by: the role sets it on what it owns (volume scratch) "
        "(rule choice)"
    ], errors


def _claims(volumes):
    return ev.normalize_volume_list(volumes, "apps")[0]


def test_claim_work_writes_and_waits_only_for_what_is_missing_changed_or_not_ready():
    local, cloud = _claims(
        [
            {"name": "cache", "kind": "local_shared", "size": "2Gi"},
            {"name": "media", "kind": "cloud", "size": "10Gi"},
        ]
    )
    bound = dict(local, status={"phase": "Bound"}, metadata=dict(local["metadata"], uid="u1"))
    cloud_read = dict(cloud, status={"phase": "Bound"})
    deployed = {"status": {"state": "deployed"}}
    # nothing on the cluster: write and wait for both
    assert ev.claim_work([local, cloud], {}, {}) == ([local, cloud], [local, cloud])
    # both in place and ready: no write, no wait (the no-op)
    assert ev.claim_work([local, cloud], {"apps/cache": bound, "apps/media": cloud_read}, {"apps/media": deployed}) == (
        [],
        [],
    )
    # in place but not ready yet: no write, still waited for
    pending = dict(local, status={"phase": "Pending"})
    assert ev.claim_work([local, cloud], {"apps/cache": pending, "apps/media": cloud_read}, {}) == ([], [local, cloud])
    # a field of ours differs (a bigger size): written and waited for
    smaller = dict(bound, spec=dict(bound["spec"], resources={"requests": {"storage": "1Gi"}}))
    assert ev.claim_work([local], {"apps/cache": smaller}, {}) == ([local], [local])
