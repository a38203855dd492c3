# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure credentials for acstor.edge, with azure.azcollection's option names and environment variables.

`resolve_auth_settings` is pure: module parameters + environment + parsed credential file + Azure CLI profile
in, `AuthSettings` out (or `AzureAuthError` naming every option and variable it looked at).
`build_credential` turns the settings into an azure-identity credential; `resolve_cloud` maps
`cloud_environment` to endpoints (named clouds, or an ARM metadata-discovery URL as azure.azcollection
accepts for Azure Stack and private clouds).
"""

import configparser
import json
import os
from dataclasses import dataclass, field

from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError

AUTH_SOURCES = ("auto", "cli", "credential_file", "env", "msi", "workload_identity")

# Same names as azure.azcollection (module_utils/azure_rm_common.py AZURE_CREDENTIAL_ENV_MAPPING), which is what
# AWX's "Microsoft Azure Resource Manager" credential injects.
ENV_MAPPING = {
    "subscription_id": "AZURE_SUBSCRIPTION_ID",
    "client_id": "AZURE_CLIENT_ID",
    "secret": "AZURE_SECRET",
    "tenant": "AZURE_TENANT",
    "cloud_environment": "AZURE_CLOUD_ENVIRONMENT",
    "x509_certificate_path": "AZURE_X509_CERTIFICATE_PATH",
    "thumbprint": "AZURE_THUMBPRINT",
    "profile": "AZURE_PROFILE",
    "disable_instance_discovery": "AZURE_DISABLE_INSTANCE_DISCOVERY",
}
AUTH_SOURCE_ENV = "ANSIBLE_AZURE_AUTH_SOURCE"
# Workload identity: the variables the Azure workload-identity webhook injects into pods (and azure-identity reads).
WORKLOAD_IDENTITY_ENV = ("AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID")

# ARM endpoints of the named clouds: https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure
# and https://learn.microsoft.com/azure/china/resources-developer-guide; authority hosts as in azure.identity.AzureAuthorityHosts.
NAMED_CLOUDS = {
    "AzureCloud": ("https://management.azure.com", "https://login.microsoftonline.com"),
    "AzureUSGovernment": ("https://management.usgovcloudapi.net", "https://login.microsoftonline.us"),
    "AzureChinaCloud": ("https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
}

CREDENTIAL_HELP = (
    "Azure credentials were not found. Looked at: module options client_id+secret+tenant or "
    "client_id+x509_certificate_path+tenant; environment AZURE_CLIENT_ID+AZURE_SECRET+AZURE_TENANT, "
    "AZURE_CLIENT_ID+AZURE_X509_CERTIFICATE_PATH+AZURE_TENANT, or AZURE_FEDERATED_TOKEN_FILE+AZURE_CLIENT_ID+"
    "AZURE_TENANT_ID (workload identity); profile [{profile}] in ~/.azure/credentials; the Azure CLI (`az login`). "
    "Or set auth_source=msi (ANSIBLE_AZURE_AUTH_SOURCE=msi) on an Azure VM / Arc server with a managed identity."
)
SUBSCRIPTION_HELP = (
    "No Azure subscription: set option subscription_id or environment AZURE_SUBSCRIPTION_ID "
    "(or subscription_id in the ~/.azure/credentials profile, or a default `az account set` subscription)."
)


def azure_auth_argument_spec():
    """Module options shared by every ARM module (documented in doc_fragments/azure_auth.py)."""
    return dict(
        auth_source=dict(type="str", choices=list(AUTH_SOURCES)),
        profile=dict(type="str"),
        subscription_id=dict(type="str"),
        client_id=dict(type="str"),
        secret=dict(type="str", no_log=True),
        tenant=dict(type="str"),
        x509_certificate_path=dict(type="path"),
        thumbprint=dict(type="str"),
        cloud_environment=dict(type="str"),
        disable_instance_discovery=dict(type="bool"),
    )


class AzureAuthError(AcstorError):
    """Credentials or cloud settings are missing or inconsistent; the message says what to set."""


@dataclass
class Cloud:
    name: str
    resource_manager: str
    authority_host: str
    audience: str
    custom: bool = False

    @property
    def scope(self):
        return self.audience.rstrip("/") + "/.default"


@dataclass
class AuthSettings:
    kind: str  # service_principal_secret | service_principal_certificate | managed_identity | cli | workload_identity
    source: str  # where the credentials came from, for messages (never the secret itself)
    subscription_id: str = ""
    tenant: str = ""
    client_id: str = ""
    secret: str = field(default="", repr=False)
    x509_certificate_path: str = ""
    token_file: str = ""
    cloud_environment: str = "AzureCloud"
    disable_instance_discovery: bool = False


def _truthy(value):
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def parse_credential_file(text):
    """~/.azure/credentials (INI, one section per profile) → {profile: {key: value}}."""
    parser = configparser.ConfigParser()
    parser.read_string(text or "")
    return {section: dict(parser.items(section)) for section in parser.sections()}


def default_cli_subscription(azure_profile_text):
    """The default subscription id from ~/.azure/azureProfile.json (as written by `az account set`), or ''."""
    if not azure_profile_text:
        return ""
    try:
        data = json.loads(azure_profile_text.lstrip("\ufeff"))
    except ValueError:
        return ""
    for subscription in data.get("subscriptions") or []:
        if subscription.get("isDefault"):
            return subscription.get("id", "")
    return ""


def _service_principal(values, source):
    """Settings for a service principal if `values` holds a complete set, None if it holds none of it."""
    client_id, tenant = values.get("client_id"), values.get("tenant")
    secret, certificate = values.get("secret"), values.get("x509_certificate_path")
    if not (secret or certificate):
        return None
    missing = [name for name, value in (("client_id", client_id), ("tenant", tenant)) if not value]
    if missing:
        raise AzureAuthError(
            "Incomplete service principal in {0}: {1} missing (a service principal needs client_id, tenant and "
            "secret or x509_certificate_path)".format(source, ", ".join(missing))
        )
    if secret:
        return AuthSettings("service_principal_secret", source, client_id=client_id, tenant=tenant, secret=secret)
    return AuthSettings(
        "service_principal_certificate", source, client_id=client_id, tenant=tenant, x509_certificate_path=certificate
    )


def _from_env_values(env):
    return {key: env.get(name) for key, name in ENV_MAPPING.items() if env.get(name)}


def _workload_identity(env, client_id=None, tenant=None):
    token_file = env.get("AZURE_FEDERATED_TOKEN_FILE")
    if not token_file:
        return None
    client_id = client_id or env.get("AZURE_CLIENT_ID")
    tenant = tenant or env.get("AZURE_TENANT_ID") or env.get("AZURE_TENANT")
    if not (client_id and tenant):
        raise AzureAuthError("Workload identity needs AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID")
    return AuthSettings(
        "workload_identity",
        "environment (workload identity)",
        client_id=client_id,
        tenant=tenant,
        token_file=token_file,
    )


def resolve_auth_settings(params, env, credential_profiles=None, cli_subscription="", cli_available=True):
    """Decide which credential to use, with azure.azcollection's `auto` precedence.

    params: module options (None where unset); env: the environment; credential_profiles: parsed
    ~/.azure/credentials (or None); cli_subscription: default subscription of the Azure CLI profile;
    cli_available: whether `az` is on PATH (the last resort of `auto`).
    """
    params = {key: value for key, value in (params or {}).items() if value not in (None, "")}
    env_values = _from_env_values(env)
    auth_source = params.get("auth_source") or env.get(AUTH_SOURCE_ENV) or "auto"
    if auth_source not in AUTH_SOURCES:
        raise AzureAuthError("auth_source must be one of {0}, got {1!r}".format(", ".join(AUTH_SOURCES), auth_source))
    profile_name = params.get("profile") or env_values.get("profile") or "default"
    profile = (credential_profiles or {}).get(profile_name) or {}

    settings = _credential_for(auth_source, params, env, env_values, profile, profile_name, cli_available)

    settings.subscription_id = (
        params.get("subscription_id")
        or env_values.get("subscription_id")
        or profile.get("subscription_id")
        or (cli_subscription if settings.kind == "cli" else "")
    )
    if not settings.subscription_id:
        raise AzureAuthError(SUBSCRIPTION_HELP)
    settings.cloud_environment = (
        params.get("cloud_environment")
        or env_values.get("cloud_environment")
        or profile.get("cloud_environment")
        or "AzureCloud"
    )
    discovery = params.get("disable_instance_discovery")
    if discovery is None:
        discovery = env_values.get("disable_instance_discovery") or profile.get("disable_instance_discovery")
    settings.disable_instance_discovery = _truthy(discovery)
    return settings


def _credential_for(auth_source, params, env, env_values, profile, profile_name, cli_available):
    """The credential of one auth_source (azure.azcollection's `auto` order: options, environment, workload
    identity, the credentials file, then the Azure CLI); raises AzureAuthError naming what is missing."""
    settings = None
    if auth_source == "auto":
        settings = (
            _service_principal(params, "module options")
            or _service_principal(env_values, "environment (AZURE_CLIENT_ID/AZURE_SECRET/AZURE_TENANT)")
            or _workload_identity(env)
            or (_service_principal(profile, "~/.azure/credentials [{0}]".format(profile_name)) if profile else None)
        )
        if settings is None:
            if not cli_available:
                raise AzureAuthError(CREDENTIAL_HELP.format(profile=profile_name))
            settings = AuthSettings("cli", "Azure CLI", tenant=params.get("tenant", ""))
    elif auth_source == "env":
        settings = _service_principal(
            env_values, "environment (AZURE_CLIENT_ID/AZURE_SECRET/AZURE_TENANT)"
        ) or _workload_identity(env)
        if settings is None:
            raise AzureAuthError(
                "auth_source=env but AZURE_CLIENT_ID, AZURE_SECRET (or AZURE_X509_CERTIFICATE_PATH) and "
                "AZURE_TENANT are not all set (nor AZURE_FEDERATED_TOKEN_FILE for workload identity)"
            )
    elif auth_source == "credential_file":
        if not profile:
            raise AzureAuthError(
                "auth_source=credential_file but ~/.azure/credentials has no [{0}] profile "
                "(option profile / AZURE_PROFILE)".format(profile_name)
            )
        settings = _service_principal(profile, "~/.azure/credentials [{0}]".format(profile_name))
        if settings is None:
            raise AzureAuthError(
                "profile [{0}] in ~/.azure/credentials has no secret or x509_certificate_path".format(profile_name)
            )
    elif auth_source == "msi":
        settings = AuthSettings(
            "managed_identity", "managed identity", client_id=params.get("client_id") or env_values.get("client_id", "")
        )
    elif auth_source == "workload_identity":
        settings = _workload_identity(env, params.get("client_id"), params.get("tenant"))
        if settings is None:
            raise AzureAuthError("auth_source=workload_identity but AZURE_FEDERATED_TOKEN_FILE is not set")
    else:  # cli
        settings = AuthSettings("cli", "Azure CLI", tenant=params.get("tenant", ""))
    return settings


def cloud_from_metadata(name, metadata):
    """Cloud from an ARM metadata document (`GET <arm>/metadata/endpoints?api-version=1.0`, as Azure Stack serves)."""
    authentication = metadata.get("authentication") or {}
    login = authentication.get("loginEndpoint")
    audiences = authentication.get("audiences") or []
    if not login or not audiences:
        raise AzureAuthError(
            "cloud_environment {0}: metadata has no authentication.loginEndpoint/audiences".format(name)
        )
    return Cloud(
        name=name,
        resource_manager=name.rstrip("/"),
        authority_host=login.rstrip("/"),
        audience=audiences[0],
        custom=True,
    )


def resolve_cloud(cloud_environment, fetch_metadata=None):
    """Named cloud → endpoints; an https URL → metadata discovery through `fetch_metadata(url) -> dict`."""
    cloud_environment = cloud_environment or "AzureCloud"
    if cloud_environment in NAMED_CLOUDS:
        arm, authority = NAMED_CLOUDS[cloud_environment]
        return Cloud(cloud_environment, arm, authority, arm + "/")
    if not cloud_environment.startswith("https://"):
        raise AzureAuthError(
            "cloud_environment must be one of {0} or an https:// ARM metadata-discovery URL, got {1!r}".format(
                ", ".join(NAMED_CLOUDS), cloud_environment
            )
        )
    if fetch_metadata is None:
        raise AzureAuthError("cloud_environment {0}: no way to fetch metadata".format(cloud_environment))
    return cloud_from_metadata(
        cloud_environment, fetch_metadata(cloud_environment.rstrip("/") + "/metadata/endpoints?api-version=1.0")
    )


def read_local_azure_files(home=None):
    """(parsed ~/.azure/credentials or None, default CLI subscription). Missing files are normal."""
    home = home or os.path.expanduser("~")
    profiles, cli_subscription = None, ""
    credentials_path = os.path.join(home, ".azure", "credentials")
    if os.path.isfile(credentials_path):
        with open(credentials_path) as handle:
            profiles = parse_credential_file(handle.read())
    profile_path = os.path.join(home, ".azure", "azureProfile.json")
    if os.path.isfile(profile_path):
        with open(profile_path, encoding="utf-8-sig") as handle:
            cli_subscription = default_cli_subscription(handle.read())
    return profiles, cli_subscription


def build_credential(settings, cloud):
    """azure-identity credential for `settings` (imports azure-identity lazily: sanity import tests run without it)."""
    from azure import identity

    common = dict(authority=cloud.authority_host)
    # Private clouds and test endpoints are not known to login.microsoftonline.com instance discovery.
    if settings.disable_instance_discovery or cloud.custom:
        common["disable_instance_discovery"] = True
    if settings.kind == "service_principal_secret":
        return identity.ClientSecretCredential(settings.tenant, settings.client_id, settings.secret, **common)
    if settings.kind == "service_principal_certificate":
        return identity.CertificateCredential(
            settings.tenant, settings.client_id, certificate_path=settings.x509_certificate_path, **common
        )
    if settings.kind == "workload_identity":
        return identity.WorkloadIdentityCredential(
            tenant_id=settings.tenant, client_id=settings.client_id, token_file_path=settings.token_file, **common
        )
    if settings.kind == "managed_identity":
        return identity.ManagedIdentityCredential(client_id=settings.client_id or None)
    return identity.AzureCliCredential(tenant_id=settings.tenant or "")
