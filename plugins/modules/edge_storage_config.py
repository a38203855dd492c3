#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: edge_storage_config
short_description: Manage the Edge Volumes EdgeStorageConfiguration
version_added: 0.1.0
description:
  - Manages the cluster-scoped C(EdgeStorageConfiguration) (C(arccontainerstorage.azure.net/v1)) that wakes the
    Azure Container Storage enabled by Azure Arc extension up and tells it which storage classes back Edge Volumes.
  - The extension can create this object itself (extension setting C(edgeStorageConfiguration.create=true)).
    With O(owner=extension) the module never creates or deletes it; it waits for the extension to create it and then
    sets only the fields given here (for example O(workload_identity), which the docs add with C(kubectl edit)).
  - Only the fields set here are compared and written (JSON merge patch).
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acstor.edge.k8s_client
  - acstor.edge.k8s_client.wait
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: Reads the object and reports what would be created, patched or deleted.
options:
  name:
    description: Object name; the extension and the docs use V(edge-storage-configuration).
    type: str
    default: edge-storage-configuration
  default_disk_storage_classes:
    description: StorageClasses that back Edge Volumes, in order of preference, for example V([default, local-path]).
    type: list
    elements: str
  workload_identity:
    description: User-assigned identity for C(WORKLOAD_IDENTITY) subvolumes.
    type: dict
    suboptions:
      client_id:
        description: Client ID of the user-assigned managed identity.
        type: str
        required: true
      tenant_id:
        description: Tenant ID of the identity.
        type: str
        required: true
  owner:
    description:
      - C(ansible) creates, updates and deletes the object.
      - C(extension) means the Arc extension creates it; the module waits for it and only updates the given fields.
    type: str
    choices: [ansible, extension]
    default: ansible
  state:
    description: Whether the configuration should exist. Deleting refuses while subvolumes exist.
    type: str
    choices: [present, absent]
    default: present
  removed_first:
    description:
      - With O(state=absent), the subvolumes (C(namespace/name)) that earlier tasks of the same run remove. In check
        mode those tasks removed nothing, so these do not count as still using the configuration; outside check mode
        the list is ignored and every subvolume left on the cluster counts.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  wait:
    description: With O(owner=extension), wait for the extension to create the object.
seealso:
  - module: acstor.edge.edge_subvolume
"""

EXAMPLES = r"""
- name: Back Edge Volumes with local-path
  acstor.edge.edge_storage_config:
    kubeconfig: /etc/acstor/kubeconfig
    default_disk_storage_classes: [default, local-path]

- name: Add a workload identity to the configuration the extension created
  acstor.edge.edge_storage_config:
    owner: extension
    workload_identity:
      client_id: 00000000-0000-0000-0000-000000000001
      tenant_id: 00000000-0000-0000-0000-000000000002
"""

RETURN = r"""
actions:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
  sample: ["create EdgeStorageConfiguration edge-storage-configuration"]
object:
  description: The object as the API server returned it.
  returned: always
  type: dict
created_by_extension:
  description: Whether the object carries the Helm ownership annotations of the extension's release.
  returned: when state is present
  type: bool
elapsed:
  description: Seconds spent waiting for the extension to create the object.
  returned: when state is present
  type: dict
"""

from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import message
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes as ev
from ansible_collections.acstor.edge.plugins.module_utils.k8s import edge_volumes_apply as apply
from ansible_collections.acstor.edge.plugins.module_utils.k8s import module as k8s_module

SPEC = dict(
    name=dict(type="str", default=ev.DEFAULT_CONFIGURATION_NAME),
    default_disk_storage_classes=dict(type="list", elements="str"),
    workload_identity=dict(
        type="dict", options=dict(client_id=dict(type="str", required=True), tenant_id=dict(type="str", required=True))
    ),
    owner=dict(type="str", default="ansible", choices=["ansible", "extension"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    removed_first=dict(type="list", elements="str", default=[]),
)


def validate(params):
    errors = ev.validate_configuration(
        params["name"], params["default_disk_storage_classes"], params["workload_identity"]
    )
    if params["state"] == "present" and params["owner"] == "ansible" and not params["default_disk_storage_classes"]:
        errors.append(message("default_disk_storage_classes", "is required when owner is ansible", "required"))
    return errors


def apply_configuration(module, objects, result):
    params = module.params
    if not objects.serves(ev.API_VERSION, ev.KIND_CONFIGURATION):
        raise ev.EdgeVolumesError(ev.missing_crd_message(ev.KIND_CONFIGURATION))
    if params["state"] == "present":
        desired = ev.render_configuration(
            params["name"], params["default_disk_storage_classes"], params["workload_identity"]
        )
        options = apply.WaitOptions(params["wait"], params["wait_timeout"], params["wait_sleep"])
        result.update(apply.ensure_configuration(objects, desired, params["owner"], options, module.check_mode))
    else:
        result.update(
            apply.remove_configuration(
                objects, params["name"], params["owner"], module.check_mode, params["removed_first"]
            )
        )


def main():
    k8s_module.run_module(SPEC, validate, apply_configuration)


if __name__ == "__main__":
    main()
