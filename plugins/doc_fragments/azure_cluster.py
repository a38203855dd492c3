# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    # The argument spec these options document is cluster_argument_spec() in module_utils/azure/module.py.
    DOCUMENTATION = r"""
options:
  resource_group:
    description: Resource group of the cluster.
    type: str
    required: true
  cluster_name:
    description: Name of the cluster resource.
    type: str
    required: true
  cluster_type:
    description: Kind of cluster resource the extensions belong to.
    type: str
    default: connectedClusters
    choices: [connectedClusters, managedClusters, provisionedClusters, appliances]
"""
