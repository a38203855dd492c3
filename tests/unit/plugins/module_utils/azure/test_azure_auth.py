"""Credential resolution (azure.azcollection precedence and names) and cloud endpoints."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.auth import (
    AzureAuthError,
    default_cli_subscription,
    parse_credential_file,
    resolve_auth_settings,
    resolve_cloud,
)

SP_ENV = {
    "AZURE_CLIENT_ID": "env-client",
    "AZURE_SECRET": "env-secret",
    "AZURE_TENANT": "env-tenant",
    "AZURE_SUBSCRIPTION_ID": "env-sub",
}


def test_module_options_win_over_environment():
    settings = resolve_auth_settings({"client_id": "c", "secret": "s", "tenant": "t", "subscription_id": "sub"}, SP_ENV)
    assert (settings.kind, settings.client_id, settings.subscription_id) == ("service_principal_secret", "c", "sub")
    assert "secret=" not in repr(settings)  # the dataclass keeps the secret out of its repr


def test_environment_as_awx_injects_it():
    settings = resolve_auth_settings({}, SP_ENV)
    assert (settings.kind, settings.client_id, settings.tenant, settings.subscription_id) == (
        "service_principal_secret",
        "env-client",
        "env-tenant",
        "env-sub",
    )
    assert "env-secret" not in repr(settings)


def test_certificate_credentials():
    settings = resolve_auth_settings(
        {},
        {
            "AZURE_CLIENT_ID": "c",
            "AZURE_TENANT": "t",
            "AZURE_X509_CERTIFICATE_PATH": "/p.pem",
            "AZURE_SUBSCRIPTION_ID": "s",
        },
    )
    assert (settings.kind, settings.x509_certificate_path) == ("service_principal_certificate", "/p.pem")


def test_workload_identity_environment():
    env = {
        "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token",
        "AZURE_CLIENT_ID": "c",
        "AZURE_TENANT_ID": "t",
        "AZURE_SUBSCRIPTION_ID": "s",
    }
    assert resolve_auth_settings({}, env).kind == "workload_identity"


def test_credential_file_profile_and_cli_fallback():
    profiles = parse_credential_file(
        "[default]\nsubscription_id=fs\nclient_id=fc\nsecret=fsec\ntenant=ft\n[other]\nsubscription_id=o\n"
    )
    settings = resolve_auth_settings({}, {}, profiles)
    assert (settings.kind, settings.subscription_id) == ("service_principal_secret", "fs")
    cli = resolve_auth_settings({"profile": "other"}, {}, profiles)
    assert (cli.kind, cli.subscription_id) == ("cli", "o")
    assert resolve_auth_settings({}, {}, None, cli_subscription="cli-sub").subscription_id == "cli-sub"


def test_msi_and_env_auth_source():
    assert resolve_auth_settings({"auth_source": "msi", "subscription_id": "s"}, {}).kind == "managed_identity"
    assert resolve_auth_settings({}, dict(SP_ENV, ANSIBLE_AZURE_AUTH_SOURCE="msi")).kind == "managed_identity"


@pytest.mark.parametrize(
    "params,env,fragment",
    [
        ({}, {}, "Looked at: module options client_id+secret+tenant"),
        ({"auth_source": "env"}, {"AZURE_SUBSCRIPTION_ID": "s"}, "AZURE_CLIENT_ID, AZURE_SECRET"),
        ({"secret": "x"}, {}, "client_id, tenant missing"),
        ({"auth_source": "credential_file"}, {}, "has no [default] profile"),
        ({"auth_source": "bogus"}, {}, "auth_source must be one of"),
        (
            {"client_id": "c", "secret": "x", "tenant": "t"},
            {},
            "set option subscription_id or environment AZURE_SUBSCRIPTION_ID",
        ),
    ],
)
def test_missing_or_incomplete_credentials_say_what_was_looked_at(params, env, fragment):
    with pytest.raises(AzureAuthError) as caught:
        resolve_auth_settings(params, env, cli_available=False)
    assert fragment in str(caught.value)


def test_named_and_custom_clouds():
    assert resolve_cloud("AzureUSGovernment").authority_host == "https://login.microsoftonline.us"
    assert resolve_cloud(None).scope == "https://management.azure.com/.default"
    assert resolve_cloud("AzureChinaCloud").resource_manager == "https://management.chinacloudapi.cn"
    seen = []

    def fetch(url):
        seen.append(url)
        return {
            "authentication": {"loginEndpoint": "https://login.stack/", "audiences": ["https://management.stack/abc"]}
        }

    cloud = resolve_cloud("https://management.stack/", fetch)
    assert seen == ["https://management.stack/metadata/endpoints?api-version=1.0"]
    assert (cloud.resource_manager, cloud.authority_host, cloud.scope, cloud.custom) == (
        "https://management.stack",
        "https://login.stack",
        "https://management.stack/abc/.default",
        True,
    )
    with pytest.raises(AzureAuthError, match="https:// ARM metadata-discovery URL"):
        resolve_cloud("http://plain")


def test_default_cli_subscription():
    assert default_cli_subscription('\ufeff{"subscriptions": [{"id": "a"}, {"id": "b", "isDefault": true}]}') == "b"
    assert default_cli_subscription("not json") == ""
