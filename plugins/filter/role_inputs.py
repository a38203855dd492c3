# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that check the node and cluster roles' variables with the rules their modules use (module_utils/*/inputs).

Each role family has two: the errors of one role's variables ({name: value}), each naming the variable and the rule
it breaks, and the role variables a host sets, picked from hostvars[host] by name.
"""

from __future__ import annotations

# The plugin_utils are imported inside each filter, when it is called: to find one filter name, ansible-core
# imports every filter file of the collection, in every forked task worker that templates it.


def node_role_input_errors(variables, role):
    from ansible_collections.acstor.edge.plugins.plugin_utils import node_role_inputs

    return node_role_inputs.role_input_errors(role, dict(variables or {}))


def node_role_variables(hostvars):
    from ansible_collections.acstor.edge.plugins.plugin_utils import node_role_inputs

    return node_role_inputs.pick_role_variables(hostvars)


def cluster_role_input_errors(variables, role):
    from ansible_collections.acstor.edge.plugins.plugin_utils import cluster_role_inputs

    return cluster_role_inputs.role_input_errors(role, dict(variables or {}))


def cluster_role_variables(hostvars):
    from ansible_collections.acstor.edge.plugins.plugin_utils import cluster_role_inputs

    return cluster_role_inputs.pick_role_variables(hostvars)


class FilterModule(object):
    def filters(self):
        return {
            "node_role_input_errors": node_role_input_errors,
            "node_role_variables": node_role_variables,
            "cluster_role_input_errors": cluster_role_input_errors,
            "cluster_role_variables": cluster_role_variables,
        }
