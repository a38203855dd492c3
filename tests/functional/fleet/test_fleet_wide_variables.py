# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One list of local NVMe models, acstor_edge_nvme_models_extra, reaches nvme_stripe, preflight and csi_driver;
one volume group name, acstor_edge_csi_volume_group, reaches preflight and csi_driver.

The installed roles' defaults/main.yml files, as they are, sit at the bottom of the variable precedence (an
inventory's group_vars/all, just above where role defaults would be), so Ansible resolves them against a site's
inventory exactly as the roles do: the node roles on each node, csi_driver on the cluster host (its default reads
the cluster's nodes). The old role variables still override for their role alone. Controller only, one run.
"""

import json
import subprocess

import yaml

from acstor_testlib import COLLECTIONS_DIR, ansible_environment

ROLES = COLLECTIONS_DIR / "ansible_collections" / "acstor" / "edge" / "roles"
BARE_METAL = ["SAMSUNG MZQL21T9HCJR-00A07"]
MODEL_VARIABLES = (
    "nvme_stripe_extra_models",
    "preflight_local_csi_addon_models",
    "csi_driver_addon_models",
    "preflight_local_csi_volume_group",
    "csi_driver_volume_group",
)


def _resolve(tmp_path, inventory):
    defaults = {}
    for role in ("nvme_stripe", "preflight", "csi_driver"):
        defaults.update(yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()))
    (tmp_path / "inventory" / "group_vars").mkdir(parents=True)
    (tmp_path / "inventory" / "group_vars" / "all.yml").write_text(yaml.safe_dump(defaults))
    (tmp_path / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    out = tmp_path / "resolved"
    out.mkdir()
    # each host resolves the defaults in its own context, as the role running on it would
    play = [
        {
            "hosts": "all",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "resolve",
                    "delegate_to": "localhost",
                    "ansible.builtin.copy": {
                        "dest": str(out) + "/{{ inventory_hostname }}.json",
                        "mode": "0600",
                        "content": "{{ resolved | to_json }}",
                    },
                    "vars": {"resolved": {name: "{{ %s }}" % name for name in MODEL_VARIABLES}},
                }
            ],
        }
    ]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(tmp_path / "inventory"), str(tmp_path / "play.yml")],
        env=ansible_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return {path.stem: json.loads(path.read_text()) for path in out.iterdir()}


def _inventory(site_vars, node_vars=None):
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    return {
        "all": {
            "vars": local,
            "children": {
                "edge_clusters": {"hosts": {"depot": None}},
                "edge_nodes": {
                    "hosts": {"depot-n1": node_vars or {}, "depot-n2": None},
                    "vars": {"acstor_edge_cluster": "depot", "acstor_edge_products": ["local_csi"]},
                },
                # a site group of the nodes only: csi_driver must find the models through its nodes
                "site_depot": {"hosts": {"depot-n1": None, "depot-n2": None}, "vars": site_vars},
            },
        }
    }


def test_one_setting_reaches_all_three_roles(tmp_path):
    resolved = _resolve(tmp_path, _inventory({"acstor_edge_nvme_models_extra": BARE_METAL}))
    for node in ("depot-n1", "depot-n2"):
        assert resolved[node]["nvme_stripe_extra_models"] == BARE_METAL
        assert resolved[node]["preflight_local_csi_addon_models"] == BARE_METAL
    assert resolved["depot"]["csi_driver_addon_models"] == BARE_METAL


def test_one_volume_group_name_reaches_preflight_and_the_driver(tmp_path):
    inventory = _inventory({})
    inventory["all"]["vars"]["acstor_edge_csi_volume_group"] = "localnvme"
    resolved = _resolve(tmp_path, inventory)
    assert resolved["depot-n1"]["preflight_local_csi_volume_group"] == "localnvme"
    assert resolved["depot"]["csi_driver_volume_group"] == "localnvme"


def test_unset_means_no_extra_models(tmp_path):
    resolved = _resolve(tmp_path, _inventory({}))
    assert resolved["depot-n1"]["nvme_stripe_extra_models"] == []
    assert resolved["depot-n1"]["preflight_local_csi_addon_models"] == []
    assert resolved["depot"]["csi_driver_addon_models"] == []
    assert resolved["depot-n1"]["preflight_local_csi_volume_group"] == "containerstorage"
    assert resolved["depot"]["csi_driver_volume_group"] == "containerstorage"


def test_role_variables_override_for_their_role_only(tmp_path):
    resolved = _resolve(
        tmp_path,
        _inventory(
            {"acstor_edge_nvme_models_extra": BARE_METAL},
            {"nvme_stripe_extra_models": ["Other NVMe"], "acstor_edge_products": ["edge_volumes"]},
        ),
    )
    assert resolved["depot-n1"]["nvme_stripe_extra_models"] == ["Other NVMe"]
    # preflight takes add-on models only for local_csi (an unused option is an error there)
    assert resolved["depot-n1"]["preflight_local_csi_addon_models"] == []
    assert resolved["depot-n2"]["preflight_local_csi_addon_models"] == BARE_METAL
    assert resolved["depot"]["csi_driver_addon_models"] == BARE_METAL
