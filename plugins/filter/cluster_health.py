# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the cluster roles' health entry points: what of the installed objects is not ready."""

from __future__ import annotations

from ansible_collections.acstor.edge.plugins.plugin_utils import cluster_health


def cluster_daemonsets_not_ready(daemonsets):
    return cluster_health.daemonsets_not_ready(daemonsets)


def cluster_volumes_not_ready(claim_results, edge_volume_results):
    return cluster_health.volumes_not_ready(claim_results, edge_volume_results)


class FilterModule:
    def filters(self):
        return {
            "cluster_daemonsets_not_ready": cluster_daemonsets_not_ready,
            "cluster_volumes_not_ready": cluster_volumes_not_ready,
        }
