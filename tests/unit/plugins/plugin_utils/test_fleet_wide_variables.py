# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate.yml checks the fleet-wide variables where the roles read them. acstor_edge_nvme_models_extra: the default of
nvme_stripe_extra_models, preflight_local_csi_addon_models (local_csi only) and csi_driver_addon_models;
acstor_edge_csi_volume_group: of csi_vg stripes' volume_group, preflight_local_csi_volume_group, csi_driver_volume_group."""

from ansible_collections.acstor.edge.plugins.plugin_utils import cluster_role_inputs, node_role_inputs

MODELS = ["SAMSUNG MZQL21T9HCJR-00A07"]


def test_a_bad_list_is_named_once_by_its_own_name():
    errors = node_role_inputs.node_input_errors({"acstor_edge_nvme_models_extra": "SAMSUNG"})
    assert len(errors) == 1 and errors[0].startswith("acstor_edge_nvme_models_extra:"), errors
    errors = node_role_inputs.node_input_errors({"acstor_edge_nvme_models_extra": ["one\ntwo"]})
    assert len(errors) == 1 and errors[0].startswith("acstor_edge_nvme_models_extra[0]:"), errors


def test_an_edge_volumes_node_may_carry_the_fleet_list():
    # preflight_local_csi_addon_models is an error without local_csi; its default then leaves the list out
    assert (
        node_role_inputs.node_input_errors(
            {"acstor_edge_nvme_models_extra": MODELS, "acstor_edge_products": ["edge_volumes"]}
        )
        == []
    )
    errors = node_role_inputs.node_input_errors(
        {"preflight_local_csi_addon_models": MODELS, "acstor_edge_products": ["edge_volumes"]}
    )
    assert [e for e in errors if e.startswith("preflight_local_csi_addon_models")], errors


def test_a_bad_fleet_list_is_not_reported_again_by_the_stripes():
    stripes = [{"name": "csi", "mode": "csi_vg", "filesystem": "none", "selector": {"class": "local"}}]
    errors = node_role_inputs.node_input_errors(
        {"nvme_stripe_list": stripes, "acstor_edge_nvme_models_extra": ["a\nb"]}
    )
    assert len(errors) == 1 and errors[0].startswith("acstor_edge_nvme_models_extra[0]:"), errors
    # the role variable overrides it: its own value is what the stripes get
    errors = node_role_inputs.node_input_errors({"nvme_stripe_list": stripes, "nvme_stripe_extra_models": ["a\nb"]})
    assert [e for e in errors if e.startswith("nvme_stripe_list[0].extra_models")], errors


def test_a_cluster_host_list_is_checked_as_the_drivers_addon_models():
    picked = cluster_role_inputs.pick_role_variables({"acstor_edge_nvme_models_extra": MODELS})
    assert picked == {"csi_driver_addon_models": MODELS}
    picked = cluster_role_inputs.pick_role_variables(
        {"acstor_edge_nvme_models_extra": MODELS, "csi_driver_addon_models": ["Other"]}
    )
    assert picked == {"csi_driver_addon_models": ["Other"]}


def test_the_csi_volume_group_is_checked_once_and_reaches_csi_vg_stripes_and_preflight():
    stripes = [
        {"name": "csi", "mode": "csi_vg", "filesystem": "none", "selector": {"class": "local"}},
        {"name": "md", "backend": "mdadm", "devices": ["S1", "S2"]},
    ]  # no VG: mdadm takes none
    assert (
        node_role_inputs.node_input_errors({"nvme_stripe_list": stripes, "acstor_edge_csi_volume_group": "vg0"}) == []
    )
    errors = node_role_inputs.node_input_errors({"nvme_stripe_list": stripes, "acstor_edge_csi_volume_group": "-vg"})
    assert len(errors) == 1 and errors[0].startswith("acstor_edge_csi_volume_group:"), errors
    assert cluster_role_inputs.pick_role_variables({"acstor_edge_csi_volume_group": "vg0"}) == {
        "csi_driver_volume_group": "vg0"
    }


def test_deprecated_names_are_named_with_their_replacement():
    from ansible_collections.acstor.edge.plugins.plugin_utils.inventory_model import deprecated_variable_messages

    assert deprecated_variable_messages({"acstor_edge_teardown_clusters": "c1", "acstor_edge_cluster_hosts": "c2"}) == [
        "acstor_edge_teardown_clusters is deprecated; use acstor_edge_cluster_hosts (it takes precedence when both are set)"
    ]
    assert deprecated_variable_messages({"acstor_edge_node_serial": 1}) == []


def test_the_filter_warns_with_the_removal_version_of_the_table():
    from pathlib import Path

    from ansible_collections.acstor.edge.plugins.filter import deprecated_variables
    from ansible_collections.acstor.edge.plugins.plugin_utils.inventory_model import DEPRECATED_VARIABLES_REMOVED_IN

    source = Path(deprecated_variables.__file__).read_text()
    assert 'version="%s"' % DEPRECATED_VARIABLES_REMOVED_IN in source
