"""Table of bad input across modules and role variables: each one fails with a message naming the input, and
nothing changes (no write reaches the ARM or Kubernetes test server; storage and node cases run in check mode
on localhost, so even a missed validation could not touch the host's disks)."""
import pytest

from conftest import SUBSCRIPTION, case_block

STRIPE = {"name": "data", "devices": ["/dev/nvme9n9"], "mount_path": "/srv/data"}


def stripe(**override):
    args = dict(STRIPE)
    args.update(override)
    return [{"name": "nvme_stripe", "acstor.edge.nvme_stripe": {k: v for k, v in args.items() if v is not None}}]


def role(name, **variables):
    return [{"name": "role " + name, "ansible.builtin.include_role": {"name": "acstor.edge." + name},
             "vars": variables}]


def k8s(module, args=None, **more):
    args = dict(args or {}, **more)
    args.setdefault("kubeconfig", "{{ kubeconfig_path }}")
    return [{"name": module, "acstor.edge." + module: args}]


def arm(module, args=None, **more):
    return [{"name": module, "acstor.edge." + module: dict(args or {}, **more)}]


SUBVOLUME = dict(name="ingest1", type="ingest", pvc="camera", endpoint="https://acct.blob.core.windows.net/",
                 container="frames", wait=False)
EXTENSION = dict(resource_group="rg-edge", cluster_name="store-1", name="acsa",
                 extension_type="microsoft.arc.containerstorage")
SCOPE = "/subscriptions/%s/resourceGroups/rg-edge" % SUBSCRIPTION
GOOD_VOLUME = {"name": "scratch", "kind": "local_shared", "size": "2Gi"}

# name: (tasks, check mode, every one of these strings must be in the message)
CASES = {
    # nvme_stripe: rejected before it looks at any disk
    "stripe name with capitals": (stripe(name="Data Disk"), True, ["name 'Data Disk'"]),
    "stripe size not a power of two": (stripe(stripe_size="96k"), True, ["stripe_size '96k'", "power of two"]),
    "stripe size not a size": (stripe(stripe_size="fast"), True, ["stripe_size 'fast'", "not a size"]),
    "stripe size below 4 KiB": (stripe(stripe_size="2k"), True, ["stripe_size '2k'"]),
    "relative mount path": (stripe(mount_path="srv/data"), True, ["mount path 'srv/data'", "relative"]),
    "system mount path": (stripe(mount_path="/var"), True, ["mount path '/var'", "system directory"]),
    "mount path with space": (stripe(mount_path="/srv/my data"), True, ["mount path '/srv/my data'", "white space"]),
    "mount without filesystem": (stripe(filesystem="none"), True, ["mount path '/srv/data'", "filesystem is none"]),
    "csi_vg with mdadm": (stripe(mode="csi_vg", backend="mdadm", mount_path=None, filesystem="none"), True,
                          ["mode csi_vg needs backend lvm"]),
    "csi_vg with mount": (stripe(mode="csi_vg", filesystem="none"), True, ["mode csi_vg", "/srv/data"]),
    "devices and selector": (stripe(selector={"class": "local"}), True, ["devices", "selector"]),
    "neither devices nor selector": (stripe(devices=None), True, ["devices or selector"]),
    "negative size tolerance": (stripe(size_tolerance=-1), True, ["size_tolerance -1"]),
    "bad volume group name": (stripe(volume_group="vg/../x"), True, ["volume_group 'vg/../x'"]),
    "unknown backend": (stripe(backend="zfs"), True, ["backend", "zfs"]),
    "mount options with space": (stripe(mount_options="defaults, noatime"), True,
                                 ["mount_options 'defaults, noatime'"]),
    "unknown filesystem": (stripe(filesystem="btrfs"), True, ["filesystem", "btrfs"]),
    # nvme_stripe role variables
    "stripe list item without name": (role("nvme_stripe", nvme_stripe_list=[{"backend": "lvm"}]), True,
                                      ["nvme_stripe_list", "needs a name"]),
    "stripe list duplicate names": (role("nvme_stripe", nvme_stripe_list=[
        {"name": "a", "devices": ["x"]}, {"name": "a", "devices": ["y"]}]), True, ["nvme_stripe_list", "unique"]),
    "stripe list not a list": (role("nvme_stripe", nvme_stripe_list="data"), True, ["nvme_stripe_list"]),
    # preflight / node_prep role variables (check mode: nothing on this host may change)
    "preflight unknown product": (role("preflight", preflight_products=["edge_volumes", "nfs"]), True,
                                  ["preflight_products", "nfs"]),
    "preflight cpu_min not a number": (role("preflight", preflight_cpu_min="many"), True, ["preflight_cpu_min"]),
    "node_prep unknown product": (role("node_prep", node_prep_products=["blob"]), True,
                                  ["node_prep_products", "blob"]),
    "node_prep sysctls not a dict": (role("node_prep", node_prep_sysctls="vm.swappiness=10"), True,
                                     ["node_prep_sysctls"]),
    # Kubernetes modules and roles (test server: no write may reach it)
    "subvolume name not a DNS label": (k8s("edge_subvolume", dict(SUBVOLUME, name="Ingest_1")), False,
                                       ["Ingest_1"]),
    "subvolume negative delay": (k8s("edge_subvolume", dict(SUBVOLUME, ingest_min_delay_sec=-5)), False,
                                 ["ingest_min_delay_sec", "-5"]),
    "subvolume endpoint not https": (k8s("edge_subvolume", dict(SUBVOLUME, endpoint="ftp://acct/")), False,
                                     ["endpoint", "ftp://acct/"]),
    "subvolume unknown type": (k8s("edge_subvolume", dict(SUBVOLUME, type="archive")), False, ["type", "archive"]),
    "storage config unknown owner": (k8s("edge_storage_config", owner="someone"), False, ["owner", "someone"]),
    "edge volume size not a quantity": (role("edge_volumes", edge_volumes_list=[dict(GOOD_VOLUME, size="ten")],
                                             edge_volumes_k8s_auth={"kubeconfig": "{{ kubeconfig_path }}"}), False,
                                        ["scratch", "size", "ten"]),
    "edge volume unknown kind": (role("edge_volumes", edge_volumes_list=[dict(GOOD_VOLUME, kind="nfs")],
                                      edge_volumes_k8s_auth={"kubeconfig": "{{ kubeconfig_path }}"}), False,
                                 ["scratch", "kind", "nfs"]),
    "csi driver unknown state": (role("csi_driver", csi_driver_state="installed",
                                      csi_driver_k8s_auth={"kubeconfig": "{{ kubeconfig_path }}"}), False,
                                 ["csi_driver_state", "installed"]),
    # ARM modules and the arc role (test server: no write may reach it)
    "extension resource group path": (arm("arc_extension", dict(EXTENSION, resource_group="rg/../x")), False,
                                      ["resource_group 'rg/../x'"]),
    "extension unknown cluster type": (arm("arc_extension", dict(EXTENSION, cluster_type="vmClusters")), False,
                                       ["cluster_type", "vmClusters"]),
    "role assignment scope not a resource id": (arm("arm_role_assignment", scope="rg-edge", principal_id="p1",
                                                    role_definition_name="Storage Blob Data Owner"), False,
                                                ["scope", "rg-edge"]),
    "role assignment without role": (arm("arm_role_assignment", scope=SCOPE, principal_id="p1"), False,
                                     ["role_definition_name", "role_definition_id"]),
    "identity name with slash": (arm("arm_user_assigned_identity", resource_group="rg-edge", name="id/x",
                                     location="westeurope"), False, ["id/x"]),
    "federated credential without issuer": (arm("arm_user_assigned_identity", resource_group="rg-edge", name="id1",
                                                location="westeurope",
                                                federated_credentials=[{"name": "fc", "subject": "system:sa"}]),
                                            False, ["issuer"]),
    "arc role unknown cert manager mode": (role("arc_extension", arc_extension_cert_manager="maybe",
                                                arc_extension_subscription_id=SUBSCRIPTION,
                                                arc_extension_resource_group="rg-edge",
                                                arc_extension_cluster_name="store-1"), False,
                                           ["arc_extension_cert_manager"]),
}


def test_table_has_at_least_thirty_inputs():
    assert len(CASES) >= 30


def test_every_bad_input_is_refused_by_name_and_changes_nothing(local_play, arm, kube):
    cluster = kube(edge_api="current")
    blocks = [case_block(name, tasks, check_mode=check) for name, (tasks, check, _expect) in CASES.items()]
    env = arm.client_env(SUBSCRIPTION)
    table, output = local_play.run(blocks, env=env, play_vars={"kubeconfig_path": str(cluster.kubeconfig_path)})
    problems = []
    for name, (_tasks, _check, expect) in CASES.items():
        outcome = table.get(name)
        if outcome is None:
            problems.append("%s: no outcome recorded" % name)
        elif not outcome["failed"]:
            problems.append("%s: accepted (%s)" % (name, outcome.get("result")))
        else:
            missing = [text for text in expect if text.lower() not in outcome["msg"].lower()]
            if missing:
                problems.append("%s: message does not name %s: %s" % (name, missing, outcome["msg"][:400]))
    assert cluster.writes() == [], cluster.writes()
    assert arm.state.writes() == [], arm.state.writes()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["stripe name with capitals", "mount without filesystem"])
def test_stripe_bad_input_fails_before_discovery(local_play, name):
    """Without check mode too: validation runs before the module reads a single block device."""
    tasks, _check, expect = CASES[name]
    table, _output = local_play.run([case_block(name, tasks)])
    assert table[name]["failed"] and all(text in table[name]["msg"] for text in expect), table[name]
