# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wrapper of the acstor.edge ARM modules: credentials from options/environment/files, input refusal, the client,
progress and failure reporting.

`run_module(spec, validate, apply)` is each ARM module's whole `main()`: bad input is refused before the first
request, then `apply(module, client, result)` fills `result` (which carries the client's `progress` lines); an
AcstorError (ARM, auth, conflicts) fails the module with its `as_result()` and what was done so far.
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.acstor.edge.plugins.module_utils.azure.auth import (
    azure_auth_argument_spec,
    read_local_azure_files,
    resolve_auth_settings,
)
from ansible_collections.acstor.edge.plugins.module_utils.azure.client import (
    AZURE_CORE_IMPORT_ERROR,
    HAS_AZURE_CORE,
    arm_client_from_settings,
)
from ansible_collections.acstor.edge.plugins.module_utils.azure.extension import CLUSTER_PROVIDERS
from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError
from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import refuse_invalid

try:
    import azure.identity  # noqa: F401 pylint: disable=unused-import

    HAS_AZURE_IDENTITY = True
    AZURE_IDENTITY_IMPORT_ERROR = None
except ImportError as exc:
    HAS_AZURE_IDENTITY = False
    AZURE_IDENTITY_IMPORT_ERROR = exc


def auth_settings_from_options(options, env=None):
    """AuthSettings from module/plugin options plus the environment and ~/.azure files (raises AzureAuthError)."""
    profiles, cli_subscription = read_local_azure_files()
    params = {key: options.get(key) for key in azure_auth_argument_spec()}
    return resolve_auth_settings(
        params, os.environ if env is None else env, profiles, cli_subscription, cli_available=bool(shutil.which("az"))
    )


def arm_client_for_module(module, progress, timeout=None):
    """ArmClient for an AnsibleModule; fails the module with a clear message instead of raising.

    `timeout` is the module's own (wait_timeout): Retry-After is honoured up to it.
    """
    if not HAS_AZURE_CORE:
        module.fail_json(msg=missing_required_lib("azure-core"), exception=str(AZURE_CORE_IMPORT_ERROR))
    if not HAS_AZURE_IDENTITY:
        module.fail_json(msg=missing_required_lib("azure-identity"), exception=str(AZURE_IDENTITY_IMPORT_ERROR))
    try:
        settings = auth_settings_from_options(module.params)
        return arm_client_from_settings(settings, log=progress.append, timeout=timeout)
    except AcstorError as error:
        module.fail_json(msg=str(error))


def cluster_argument_spec():
    """The options that name the cluster an extension belongs to (documented by the acstor.edge.azure_cluster fragment)."""
    return dict(
        resource_group=dict(type="str", required=True),
        cluster_name=dict(type="str", required=True),
        cluster_type=dict(type="str", default="connectedClusters", choices=list(CLUSTER_PROVIDERS)),
    )


def argument_spec(own_spec):
    """The module's own options plus the Azure auth options (azure.azcollection's names)."""
    spec = azure_auth_argument_spec()
    spec.update(own_spec)
    return spec


def run_module(own_spec, validate, apply, timeout_option=None, **module_kwargs):
    """An ARM module's main(): parse, refuse bad input, build the client, then `apply(module, client, result)`.

    validate(params) -> list of input errors (each naming the option); `timeout_option` names the option that bounds
    Retry-After waits. `result` starts as {"changed": False, "progress": [...]} and is filled in place by `apply`.
    """
    spec = argument_spec(own_spec)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **module_kwargs)
    refuse_invalid(module, spec, validate(module.params))
    result = dict(changed=False, progress=[])
    client = arm_client_for_module(
        module, result["progress"], module.params[timeout_option] if timeout_option else None
    )
    try:
        apply(module, client, result)
    except AcstorError as error:
        module.fail_json(**dict(result, **error.as_result()))
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(**result)
