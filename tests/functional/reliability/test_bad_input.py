"""Table of bad input across modules and role variables: each one fails with a message naming the input, and
nothing changes (no write reaches the ARM or Kubernetes test server; storage and node cases run in check mode
on localhost, so even a missed validation could not touch the host's disks). The node-side refusals are also run
for real (no check mode) on one lab VM, whose files, disks, sysctls and modules must not change."""

import difflib
import json
import os
import subprocess

import pytest
import yaml
from conftest import SUBSCRIPTION, case_block

from cluster_examples import CLOUD_VOLUME, EXTENSION, INGEST, LOCAL_VOLUME
from lablib import LabNode

STRIPE = {"name": "data", "devices": ["/dev/nvme9n9"], "mount_path": "/srv/data"}


def stripe(**override):
    args = dict(STRIPE)
    args.update(override)
    return [{"name": "nvme_stripe", "acstor.edge.nvme_stripe": {k: v for k, v in args.items() if v is not None}}]


def role(name, **variables):
    return [
        {"name": "role " + name, "ansible.builtin.include_role": {"name": "acstor.edge." + name}, "vars": variables}
    ]


def k8s_role(name, **variables):
    """A cluster role that reaches the cluster through the play's kubeconfig (<role>_k8s_auth)."""
    return role(name, **{name + "_k8s_auth": {"kubeconfig": "{{ kubeconfig_path }}"}}, **variables)


def k8s(module, args=None, **more):
    args = dict(args or {}, **more)
    args.setdefault("kubeconfig", "{{ kubeconfig_path }}")
    return [{"name": module, "acstor.edge." + module: args}]


def arm(module, args=None, **more):
    return [{"name": module, "acstor.edge." + module: dict(args or {}, **more)}]


SUBVOLUME = dict(INGEST, pvc=CLOUD_VOLUME["name"], wait=False)
SCOPE = "/subscriptions/%s/resourceGroups/rg-edge" % SUBSCRIPTION

# name: (tasks, check mode, every one of these strings must be in the message)
CASES = {
    # nvme_stripe: rejected before it looks at any disk
    "stripe name with capitals": (stripe(name="Data Disk"), True, ["name: 'Data Disk'", "rule stripe-name"]),
    "stripe size not a power of two": (stripe(stripe_size="96k"), True, ["stripe_size: '96k'", "power of two"]),
    "stripe size not a size": (stripe(stripe_size="fast"), True, ["stripe_size: 'fast'", "not a size"]),
    "stripe size below 4 KiB": (stripe(stripe_size="2k"), True, ["stripe_size: '2k'"]),
    "relative mount path": (stripe(mount_path="srv/data"), True, ["mount_path: 'srv/data'", "not an absolute path"]),
    "system mount path": (stripe(mount_path="/var"), True, ["mount_path: '/var'", "system directory"]),
    "mount path with space": (stripe(mount_path="/srv/my data"), True, ["mount_path: '/srv/my data'", "white space"]),
    "mount without filesystem": (stripe(filesystem="none"), True, ["mount_path: '/srv/data'", "filesystem is none"]),
    "csi_vg with mdadm": (
        stripe(mode="csi_vg", backend="mdadm", mount_path=None, filesystem="none"),
        True,
        ["mode csi_vg needs backend lvm"],
    ),
    "csi_vg with mount": (stripe(mode="csi_vg", filesystem="none"), True, ["mode csi_vg", "/srv/data"]),
    "devices and selector": (stripe(selector={"class": "local"}), True, ["devices", "selector"]),
    "neither devices nor selector": (stripe(devices=None), True, ["devices or selector"]),
    "negative size tolerance": (stripe(size_tolerance=-1), True, ["size_tolerance: -1"]),
    "bad volume group name": (stripe(volume_group="vg/../x"), True, ["volume_group: 'vg/../x'"]),
    "unknown backend": (stripe(backend="zfs"), True, ["backend", "zfs"]),
    "mount options with space": (
        stripe(mount_options="defaults, noatime"),
        True,
        ["mount_options: 'defaults, noatime'"],
    ),
    "unknown filesystem": (stripe(filesystem="btrfs"), True, ["filesystem", "btrfs"]),
    # issue 18.7: values that would reach a node file, and options the mode does not use
    "newline in mount_before": (
        stripe(mount_before=["kubelet.service\n/dev/sdb /etc ext4 defaults 0 0"]),
        True,
        ["mount_before[0]", "newline", "rule single-line"],
    ),
    "selector count 0": (
        stripe(devices=None, selector={"class": "local", "count": 0}),
        True,
        ["selector.count: 0", "rule positive-integer"],
    ),
    "csi_vg with xfs": (
        stripe(mode="csi_vg", filesystem="xfs", mount_path=None),
        True,
        ["filesystem: mode csi_vg creates no filesystem", "rule mode"],
    ),
    "csi_vg with stripe_size": (
        stripe(mode="csi_vg", stripe_size="128k", mount_path=None),
        True,
        ["stripe_size: is set but mode csi_vg", "rule unused-option"],
    ),
    "mount_options without mount_path": (
        stripe(mount_path=None, mount_options="noatime"),
        True,
        ["mount_options: is set but nothing is mounted"],
    ),
    "volume_group with mdadm": (
        stripe(backend="mdadm", volume_group="vg0"),
        True,
        ["volume_group: is set but backend mdadm"],
    ),
    "mount options with a newline": (
        stripe(mount_options="defaults\n/dev/sdb /etc ext4"),
        True,
        ["mount_options:", "newline"],
    ),
    "stripe list item with newline": (
        role("nvme_stripe", nvme_stripe_list=[dict(STRIPE, mount_before=["a.service\nb"])]),
        True,
        ["nvme_stripe_list[0].mount_before[0]", "rule single-line"],
    ),
    "boot unit ordering with a newline": (
        role(
            "nvme_stripe", nvme_stripe_list=[STRIPE], nvme_stripe_before_units=["kubelet.service\nExecStartPre=/bin/sh"]
        ),
        True,
        ["nvme_stripe_before_units[0]", "rule single-line"],
    ),
    "metrics interval not a time span": (
        role("nvme_stripe", nvme_stripe_list=[STRIPE], nvme_stripe_metrics_interval="1min\n[Install]"),
        True,
        ["nvme_stripe_metrics_interval", "newline"],
    ),
    "fact file not .fact": (
        role("nvme_stripe", nvme_stripe_list=[STRIPE], nvme_stripe_fact_file="/etc/ansible/facts.d/acstor.json"),
        True,
        ["nvme_stripe_fact_file", "rule fact-file"],
    ),
    "sysctl name with =": (
        role("node_prep", node_prep_sysctls={"vm.swappiness=0\nkernel.panic": 1}),
        True,
        ["node_prep_sysctls['vm.swappiness=0", "newline"],
    ),
    "sysctl drop-in not .conf": (
        role("node_prep", node_prep_sysctl_file="/etc/sysctl.d/acstor"),
        True,
        ["node_prep_sysctl_file", "rule sysctl-file"],
    ),
    "kernel module with newline": (
        role("node_prep", node_prep_kernel_modules_extra=["raid0\nevil"]),
        True,
        ["node_prep_kernel_modules_extra[0]", "newline"],
    ),
    "preflight volume group with newline": (
        role("preflight", preflight_local_csi_volume_group="vg\nx"),
        True,
        ["preflight_local_csi_volume_group", "newline"],
    ),
    # nvme_stripe role variables
    "stripe list item without name": (
        role("nvme_stripe", nvme_stripe_list=[{"backend": "lvm"}]),
        True,
        ["nvme_stripe_list[0].name", "missing"],
    ),
    "stripe list duplicate names": (
        role("nvme_stripe", nvme_stripe_list=[{"name": "a", "devices": ["x"]}, {"name": "a", "devices": ["y"]}]),
        True,
        ["nvme_stripe_list", "unique"],
    ),
    "stripe list not a list": (role("nvme_stripe", nvme_stripe_list="data"), True, ["nvme_stripe_list"]),
    # preflight / node_prep role variables (check mode: nothing on this host may change)
    "preflight unknown product": (
        role("preflight", preflight_products=["edge_volumes", "nfs"]),
        True,
        ["preflight_products", "nfs"],
    ),
    "preflight cpu_min not a number": (role("preflight", preflight_cpu_min="many"), True, ["preflight_cpu_min"]),
    "node_prep unknown product": (role("node_prep", node_prep_products=["blob"]), True, ["node_prep_products", "blob"]),
    "node_prep sysctls not a dict": (
        role("node_prep", node_prep_sysctls="vm.swappiness=10"),
        True,
        ["node_prep_sysctls"],
    ),
    # Kubernetes modules and roles (test server: no write may reach it)
    "subvolume name not a DNS label": (k8s("edge_subvolume", dict(SUBVOLUME, name="Ingest_1")), False, ["Ingest_1"]),
    "subvolume negative delay": (
        k8s("edge_subvolume", dict(SUBVOLUME, ingest_min_delay_sec=-5)),
        False,
        ["ingest_min_delay_sec", "-5"],
    ),
    "subvolume endpoint not https": (
        k8s("edge_subvolume", dict(SUBVOLUME, endpoint="ftp://acct/")),
        False,
        ["endpoint", "ftp://acct/"],
    ),
    "subvolume unknown type": (k8s("edge_subvolume", dict(SUBVOLUME, type="archive")), False, ["type", "archive"]),
    "storage config unknown owner": (k8s("edge_storage_config", owner="someone"), False, ["owner", "someone"]),
    "edge volume size not a quantity": (
        k8s_role("edge_volumes", edge_volumes_list=[dict(LOCAL_VOLUME, size="ten")]),
        False,
        ["scratch", "size", "ten"],
    ),
    "edge volume unknown kind": (
        k8s_role("edge_volumes", edge_volumes_list=[dict(LOCAL_VOLUME, kind="nfs")]),
        False,
        ["scratch", "kind", "nfs"],
    ),
    "csi driver unknown state": (
        k8s_role("csi_driver", csi_driver_state="installed"),
        False,
        ["csi_driver_state", "installed"],
    ),
    # ARM modules and the arc role (test server: no write may reach it)
    "extension resource group path": (
        arm("arc_extension", dict(EXTENSION, resource_group="rg/../x")),
        False,
        ["resource_group", "rg/../x"],
    ),
    "extension unknown cluster type": (
        arm("arc_extension", dict(EXTENSION, cluster_type="vmClusters")),
        False,
        ["cluster_type", "vmClusters"],
    ),
    "role assignment scope not a resource id": (
        arm("arm_role_assignment", scope="rg-edge", principal_id="p1", role_definition_name="Storage Blob Data Owner"),
        False,
        ["scope", "rg-edge"],
    ),
    "role assignment without role": (
        arm("arm_role_assignment", scope=SCOPE, principal_id="p1"),
        False,
        ["role_definition_name", "role_definition_id"],
    ),
    "identity name with slash": (
        arm("arm_user_assigned_identity", resource_group="rg-edge", name="id/x", location="westeurope"),
        False,
        ["id/x"],
    ),
    "federated credential without issuer": (
        arm(
            "arm_user_assigned_identity",
            resource_group="rg-edge",
            name="id1",
            location="westeurope",
            federated_credentials=[{"name": "fc", "subject": "system:sa"}],
        ),
        False,
        ["issuer"],
    ),
    "arc role unknown cert manager mode": (
        role(
            "arc_extension",
            arc_extension_cert_manager="maybe",
            arc_extension_subscription_id=SUBSCRIPTION,
            arc_extension_resource_group="rg-edge",
            arc_extension_cluster_name="store-1",
        ),
        False,
        ["arc_extension_cert_manager"],
    ),
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


# ---- the same refusals on a real node (one lab VM): not in check mode, and nothing on the node changes
NODE_STATE = (
    "cat /etc/fstab /etc/mdadm/mdadm.conf 2>&1; ls -la --time-style=full-iso /etc/acstor-edge /etc/systemd/system"
    " /etc/sysctl.d /etc/modules-load.d /etc/ansible/facts.d /usr/local/sbin 2>&1;"
    " cat /etc/sysctl.d/* /etc/modules-load.d/* 2>&1; cat /proc/sys/vm/swappiness /proc/sys/kernel/panic;"
    " lsblk -n -o NAME,FSTYPE,LABEL,MOUNTPOINTS; wipefs -n -J /dev/nvme0n1 /dev/nvme1n1; vgs; pvs;"
    " cut -d' ' -f1 /proc/modules | sort; findmnt -n -o TARGET,SOURCE | sort; ls -la /srv 2>&1"
)


def node_cases(serials):
    good = {"name": "data", "devices": list(serials), "mount_path": "/srv/data"}
    fstab_injection = "kubelet.service\n/dev/nvme0n1 /etc xfs defaults 0 0"

    def module(module_name, **args):
        return [{"name": module_name, "acstor.edge." + module_name: args}]

    return {
        "role: newline in mount_before": (
            role(
                "nvme_stripe",
                nvme_stripe_list=[dict(good, mount_before=[fstab_injection])],
                nvme_stripe_update_initramfs=False,
            ),
            ["nvme_stripe_list[0].mount_before[0]", "rule single-line"],
        ),
        "module: newline in mount_before": (
            module("nvme_stripe", mount_before=[fstab_injection], **good),
            ["mount_before[0]", "rule single-line"],
        ),
        "module: selector count 0": (
            module("nvme_stripe", name="data", selector={"class": "any", "count": 0}, mount_path="/srv/data"),
            ["selector.count: 0", "rule positive-integer"],
        ),
        "module: csi_vg with xfs": (
            module("nvme_stripe", name="csi", mode="csi_vg", filesystem="xfs", devices=list(serials)),
            ["filesystem: mode csi_vg creates no filesystem"],
        ),
        "module: mount options with a newline": (
            module("nvme_stripe", mount_options="defaults\n/dev/nvme0n1 /etc xfs defaults", **good),
            ["mount_options:", "newline"],
        ),
        "role: boot unit ordering with a newline": (
            role("nvme_stripe", nvme_stripe_list=[good], nvme_stripe_before_units=["kubelet.service\nExecStartPre=/x"]),
            ["nvme_stripe_before_units[0]", "rule single-line"],
        ),
        "module: unit name with a newline": (
            module(
                "nvme_stripe_boot",
                script="#!/bin/sh\n",
                units=[{"name": "acstor-edge-stripes.service\nExecStart=/bin/sh", "content": "[Unit]\n"}],
            ),
            ["units[0].name", "rule single-line"],
        ),
        "role: sysctl name with = and a newline": (
            role("node_prep", node_prep_sysctls={"vm.swappiness=0\nkernel.panic": 1}),
            ["node_prep_sysctls['vm.swappiness=0", "rule single-line"],
        ),
        "role: kernel module with a newline": (
            role("node_prep", node_prep_kernel_modules_extra=["raid0\nloop"]),
            ["node_prep_kernel_modules_extra[0]", "rule single-line"],
        ),
        "module: sysctl value with a newline": (
            module("node_prep_info", sysctls={"vm.swappiness": "10\nkernel.panic=1"}),
            ["sysctls['vm.swappiness']", "rule sysctl-value"],
        ),
        "module: node_prep's drop-in outside sysctl.d": (
            module("node_prep", sysctls={"vm.swappiness": 10}, sysctl_file="/etc/sysctl.conf"),
            ["sysctl_file", "rule sysctl-file"],
        ),
        "role: preflight volume group with a newline": (
            role("preflight", preflight_local_csi_volume_group="vg\nx"),
            ["preflight_local_csi_volume_group", "rule single-line"],
        ),
    }


@pytest.mark.lab
@pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root (QEMU monitor)")
def test_bad_input_changes_nothing_on_a_lab_node(tmp_path, ansible_env):
    node = LabNode("ci-bad-input", ["local", "local"])
    try:
        before = node.sh(NODE_STATE, check=False)
        cases = node_cases(node.serials)
        blocks = [case_block(name, tasks) for name, (tasks, _expect) in cases.items()]
        out_file = tmp_path / "cases.json"
        play = [
            {
                "hosts": node.name,
                "gather_facts": False,
                "become": True,
                "vars": {"reliability_cases": {}},
                "tasks": blocks
                + [
                    {
                        "name": "write the case table",
                        "delegate_to": "localhost",
                        "ansible.builtin.copy": {
                            "content": "{{ reliability_cases | to_json }}",
                            "dest": str(out_file),
                            "mode": "0600",
                        },
                    }
                ],
            }
        ]
        (tmp_path / "play.yml").write_text(yaml.safe_dump(play, sort_keys=False))
        proc = subprocess.run(
            ["ansible-playbook", "-i", str(node.inventory(tmp_path / "inventory.yml")), str(tmp_path / "play.yml")],
            env=ansible_env(ANSIBLE_TIMEOUT="60"),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=1500,
            check=False,
        )
        assert out_file.exists(), proc.stdout[-4000:] + proc.stderr[-2000:]
        table = json.loads(out_file.read_text())
        after = node.sh(NODE_STATE, check=False)
    finally:
        node.down()
    problems = []
    for name, (_tasks, expect) in cases.items():
        outcome = table.get(name)
        if not outcome or not outcome["failed"]:
            problems.append("%s: accepted or not run (%s)" % (name, outcome))
        elif not all(text in outcome["msg"] for text in expect):
            problems.append("%s: message does not name %s: %s" % (name, expect, outcome["msg"][:400]))
    assert not problems, "\n".join(problems)
    assert after == before, "the node changed:\n" + "\n".join(
        difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after", lineterm="")
    )
