"""Wrong cluster inputs through the roles people call: every role refuses before its first write, naming the
variable, while the Kubernetes and ARM test doubles record every request; validate.yml lists the same errors.

One ansible-playbook run drives every role (each in a block whose rescue records the refusal); one more runs
playbooks/validate.yml over an inventory whose cluster host sets the same variables.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
for extra in (REPO / "tests" / "servers", REPO / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from arm_server import SUBSCRIPTION, ArmTestServer  # noqa: E402  pylint: disable=wrong-import-position
from cluster_examples import CLOUD_VOLUME, INGEST, LOCAL_VOLUME, MIRROR  # noqa: E402  pylint: disable=wrong-import-position
from kube_server import KubeTestServer  # noqa: E402  pylint: disable=wrong-import-position

RG_ID = "/subscriptions/{0}/resourceGroups/rg-edge".format(SUBSCRIPTION)
# (role, variables, [(variable reported, rule)]): the last volume is wrong, so a role that applied volumes one by one
# would have written the first; the arc_extension phases after cert-manager are wrong, so installing cert-manager
# first would have written to ARM.
CASES = [
    (
        "edge_volumes",
        {
            "edge_volumes_list": [
                LOCAL_VOLUME,
                # the mirror takes the ingest subvolume's name, and a schedule with no 25th hour
                dict(CLOUD_VOLUME, subvolumes=[INGEST, dict(MIRROR, name=INGEST["name"], schedule="0 25 * * *")]),
                {"name": "zero", "size": "0"},
                {"name": "labelled", "size": "1Gi", "labels": {"app": True}},
            ],
        },
        [
            ("edge_volumes_list[1].subvolumes[1].name", "unique"),
            ("edge_volumes_list[1].subvolumes[1].schedule", "cron"),
            ("edge_volumes_list[2].size", "storage-quantity"),
            ("edge_volumes_list[3].labels['app']", "label-value"),
        ],
    ),
    (
        "edge_volumes",
        {
            "edge_volumes_list": [LOCAL_VOLUME, {"name": ["scratch2"], "size": "1Gi"}],
            "edge_volumes_workload_identity": {"client_id": "not-a-guid", "tenant_id": SUBSCRIPTION},
        },
        [("edge_volumes_list[1].name", "string"), ("edge_volumes_workload_identity.client_id", "guid")],
    ),
    (
        "arc_extension",
        {
            "arc_extension_resource_group": "rg-edge",
            "arc_extension_cluster_name": "store-0001",
            "arc_extension_version": "2.12",
            "arc_extension_release_namespace": "Azure_Arc",
            "arc_extension_storage_account_ids": [RG_ID],
            "arc_extension_identity_mode": "workload",
            "arc_extension_oidc_issuer_url": "http://oidc.example/store-0001",
        },
        [
            ("arc_extension_version", "semantic-version"),
            ("arc_extension_release_namespace", "dns-label"),
            ("arc_extension_storage_account_ids[0]", "storage-account-id"),
            ("arc_extension_oidc_issuer_url", "https-url"),
        ],
    ),
    (
        "arc_extension",
        {
            "arc_extension_resource_group": "rg-edge\n",
            "arc_extension_cluster_name": ["store-0001"],
            "arc_extension_settings": {"feature.diskStorageClass": ["default"]},
        },
        [
            ("arc_extension_resource_group", "single-line"),
            ("arc_extension_cluster_name", "string"),
            ("arc_extension_settings['feature.diskStorageClass']", "extension-setting"),
        ],
    ),
    (
        "csi_driver",
        {
            "csi_driver_release_name": "Local_CSI",
            "csi_driver_image_registry": "https://mirror.example.com",
            "csi_driver_node_selector": {"kubernetes.io/os": ["linux"]},
            "csi_driver_chart_version": "latest",
        },
        [
            ("csi_driver_release_name", "helm-release-name"),
            ("csi_driver_image_registry", "image-registry"),
            ("csi_driver_node_selector['kubernetes.io/os']", "label-value"),
            ("csi_driver_chart_version", "semantic-version"),
        ],
    ),
    # The role's meta/argument_specs.yml refuses choices and container types itself, before any task (rule None).
    ("csi_driver", {"csi_driver_storage_class_fstype": "btrfs"}, [("csi_driver_storage_class_fstype", None)]),
    ("edge_volumes", {"edge_volumes_list": {"name": "scratch", "size": "2Gi"}}, [("edge_volumes_list", None)]),
]


def _run(command, env, timeout=600):
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return completed.returncode, completed.stdout + completed.stderr


@pytest.fixture
def doubles(tmp_path, shared_reference):
    kube = KubeTestServer(edge_api="current").start()
    arm = ArmTestServer(shared_reference, tmp_path / "arm").start()
    yield kube, kube.kubeconfig(tmp_path / "kubeconfig"), arm
    kube.stop()
    arm.stop()


def _step(index, role, variables):
    key = "case%d" % index
    return {
        "name": "%s %s" % (key, role),
        "block": [
            {"name": "run " + role, "ansible.builtin.include_role": {"name": "acstor.edge." + role}, "vars": variables},
            {
                "name": "accepted",
                "ansible.builtin.set_fact": {"cases": "{{ cases | combine({'%s': 'accepted'}) }}" % key},
            },
        ],
        "rescue": [
            {
                "name": "refused",
                "ansible.builtin.set_fact": {
                    "cases": "{{ cases | combine({'%s': ansible_failed_result.msg | default('') | string}) }}" % key
                },
            }
        ],
    }


def test_roles_refuse_every_wrong_input_before_writing(tmp_path, ansible_env, doubles):
    kube, kubeconfig, arm = doubles
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "acstor_edge_k8s_auth": {"kubeconfig": kubeconfig},
        "arc_extension_kubeconfig": kubeconfig,
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"edge_clusters": {"hosts": {"c1": host}}}))
    out = tmp_path / "cases.json"
    play = [
        {
            "hosts": "edge_clusters",
            "gather_facts": False,
            "vars": {"cases": {}},
            "tasks": [_step(index, role, variables) for index, (role, variables, _e) in enumerate(CASES)]
            + [
                {
                    "name": "write the refusals",
                    "ansible.builtin.copy": {"content": "{{ cases | to_json }}", "dest": str(out), "mode": "0600"},
                }
            ],
        }
    ]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    rc, output = _run(
        ["ansible-playbook", "-i", str(tmp_path / "inventory.yml"), str(tmp_path / "play.yml")],
        ansible_env(**arm.client_env(SUBSCRIPTION)),
    )
    assert rc == 0 and out.exists(), output[-6000:]
    refusals = json.loads(out.read_text())
    for index, (role, _variables, expected) in enumerate(CASES):
        message = refusals["case%d" % index]
        assert message != "accepted", (role, message)
        for variable, rule in expected:
            if rule is None:
                assert "Validation of arguments failed" in message and variable in message, (role, variable, message)
            else:
                assert "%s: " % variable in message and "(rule %s)" % rule in message, (role, variable, message)
        assert "Traceback" not in message
    assert kube.writes() == [], kube.writes()
    assert [r for r in arm.state.requests if r["method"] not in ("GET", "HEAD")] == []


def test_validate_playbook_lists_the_same_errors(tmp_path, ansible_env):
    """One cluster host sets one wrong case per role: validate.yml's one failure names every variable and rule."""
    chosen = [CASES[0], CASES[2], CASES[4], CASES[5]]
    host = {"ansible_connection": "local"}
    for _role, variables, _expected in chosen:
        host.update(variables)
    inventory = {
        "all": {
            "children": {
                "edge_clusters": {"hosts": {"site-1": host}},
                "edge_nodes": {"hosts": {"n1": {"acstor_edge_cluster": "site-1"}}},
            }
        }
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    rc, output = _run(
        ["ansible-playbook", "-i", str(tmp_path / "inventory.yml"), str(REPO / "playbooks" / "validate.yml")],
        ansible_env(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_CALLBACK_RESULT_FORMAT="json"),
    )
    assert rc != 0, output[-4000:]
    failed = [line.split("FAILED! => ", 1)[1] for line in output.splitlines() if "FAILED! => " in line]
    assert len(failed) == 1, output[-4000:]
    message = json.loads(failed[0])["msg"]
    assert "site-1: csi_driver_storage_class_fstype: 'btrfs' is not one of ext4, xfs (rule choice)" in message
    for _role, _variables, expected in chosen[:3]:
        for variable, rule in expected:
            assert "site-1: %s: " % variable in message and "(rule %s)" % rule in message, (variable, message)
