# -*- coding: utf-8 -*-
# Copyright (c) acstor.edge contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue between AnsibleModule and the ARM client: credentials from options/environment/files, clear failures."""

import os
import shutil

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.acstor.edge.plugins.module_utils.azure.auth import (
    AzureAuthError,
    azure_auth_argument_spec,
    read_local_azure_files,
    resolve_auth_settings,
)
from ansible_collections.acstor.edge.plugins.module_utils.azure.client import (
    AZURE_CORE_IMPORT_ERROR,
    HAS_AZURE_CORE,
    ArmError,
    arm_client_from_settings,
)

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
    except (AzureAuthError, ArmError) as exc:
        module.fail_json(msg=str(exc))
