# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory rules about what a site runs: disks left for the local CSI driver, a Blob role for cloud volumes."""

import pytest

from ansible_collections.acstor.edge.plugins.plugin_utils.inventory_model import validate_inventory

CACHE_ALL = {"name": "modelcache", "selector": {"class": "local"}, "filesystem": "xfs", "mount_path": "/srv/cache"}
CACHE_TWO = {
    "name": "modelcache",
    "selector": {"class": "local", "count": 2},
    "filesystem": "xfs",
    "mount_path": "/srv/cache",
}
CSI_VG = {"name": "csi", "mode": "csi_vg", "filesystem": "none", "selector": {"class": "local"}}
CLUSTERS = {"c1": {"connection": "local"}}


def _errors(products, stripes, phases=None):
    node = {"cluster": "c1", "products": products, "phases": phases, "node_vars": {"nvme_stripe_list": stripes}}
    return validate_inventory({"n1": node}, CLUSTERS)["errors"]


@pytest.mark.parametrize("products", [["local_csi"], None])  # unset acstor_edge_products means both products
def test_a_stripe_taking_every_local_disk_leaves_the_driver_none(products):
    errors = _errors(products, [CACHE_ALL])
    assert len(errors) == 1
    assert errors[0].startswith("n1: runs local_csi but stripe 'modelcache' takes every local NVMe disk")


@pytest.mark.parametrize(
    "products, stripes, phases",
    [
        (["local_csi"], [CACHE_TWO], None),  # two disks for the cache, the rest for the driver
        (["local_csi"], [CACHE_ALL, CSI_VG], None),  # the driver gets a VG from a csi_vg stripe
        (["local_csi"], [dict(CACHE_ALL, selector={"class": "local", "models": ["X"]})], None),
        (["local_csi"], [dict(CACHE_ALL, selector={"class": "other"})], None),
        (["local_csi"], [dict(CACHE_ALL, state="absent", force=True)], None),
        (["edge_volumes"], [CACHE_ALL], None),  # no driver on this node
        (["local_csi"], [CACHE_ALL], ["preflight", "prep"]),  # stripes are not built
    ],
)
def test_disks_left_for_the_driver_or_no_driver(products, stripes, phases):
    assert _errors(products, stripes, phases) == []


def _cluster_warnings(cluster_vars):
    return validate_inventory({}, {"c1": {"connection": "local", "cluster_vars": cluster_vars}})["warnings"]


VOLUME = {
    "name": "telemetry",
    "namespace": "factory",
    "kind": "cloud",
    "size": "10Gi",
    "subvolumes": [
        {
            "name": "ingest",
            "type": "ingest",
            "path": "ingest",
            "endpoint": "https://acmeedge.blob.core.windows.net/",
            "container": "telemetry",
        }
    ],
}
ACCOUNT = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/"
    "storageAccounts/acmeedge"
)


def test_a_cloud_volume_without_a_storage_account_is_warned():
    warnings = [w for w in _cluster_warnings({"edge_volumes_list": [VOLUME]}) if "Blob" in w]
    assert warnings == [
        "c1: cloud volume(s) telemetry but no arc_extension_storage_account_ids: the extension's "
        "identity gets no Blob role and ingest fails unless the role is assigned elsewhere"
    ]


def test_a_cloud_volume_with_a_storage_account_is_not_warned():
    assert [
        w
        for w in _cluster_warnings({"edge_volumes_list": [VOLUME], "arc_extension_storage_account_ids": [ACCOUNT]})
        if "Blob" in w
    ] == []
