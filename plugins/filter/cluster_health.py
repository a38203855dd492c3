# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the cluster roles' health entry points: what of the installed objects is not ready."""

from __future__ import annotations

# The plugin_utils are imported inside each filter, when it is called: to find one filter name, ansible-core
# imports every filter file of the collection, in every forked task worker that templates it.


def cluster_daemonsets_not_ready(daemonsets):
    from ansible_collections.acstor.edge.plugins.plugin_utils import cluster_health

    return cluster_health.daemonsets_not_ready(daemonsets)


def cluster_volumes_not_ready(claim_results, edge_volume_results):
    from ansible_collections.acstor.edge.plugins.plugin_utils import cluster_health

    return cluster_health.volumes_not_ready(claim_results, edge_volume_results)


class FilterModule:
    def filters(self):
        return {
            "cluster_daemonsets_not_ready": cluster_daemonsets_not_ready,
            "cluster_volumes_not_ready": cluster_volumes_not_ready,
        }
