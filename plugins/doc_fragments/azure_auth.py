# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    # Option names and environment variables follow azure.azcollection so AWX's "Microsoft Azure Resource Manager"
    # credential and existing module_defaults work unchanged.
    DOCUMENTATION = r"""
options:
  auth_source:
    description:
      - Where the credentials come from. Can also be set with the E(ANSIBLE_AZURE_AUTH_SOURCE) environment variable.
      - V(auto) (default) tries, in order, module options, environment variables, the V(profile) in C(~/.azure/credentials),
        then the Azure CLI (C(az login)).
      - V(env) uses E(AZURE_CLIENT_ID), E(AZURE_SECRET) (or E(AZURE_X509_CERTIFICATE_PATH)) and E(AZURE_TENANT), or workload
        identity (E(AZURE_FEDERATED_TOKEN_FILE), E(AZURE_CLIENT_ID), E(AZURE_TENANT_ID)).
      - V(credential_file) reads the V(profile) section of C(~/.azure/credentials).
      - V(msi) uses the managed identity of the Azure VM or Arc-enabled server running the module; V(client_id) selects
        a user-assigned identity.
      - V(workload_identity) uses a projected service-account token (E(AZURE_FEDERATED_TOKEN_FILE)).
      - V(cli) uses the Azure CLI login.
    type: str
    choices: [auto, cli, credential_file, env, msi, workload_identity]
  profile:
    description:
      - Section of C(~/.azure/credentials) to read. Defaults to E(AZURE_PROFILE), then C(default).
    type: str
  subscription_id:
    description:
      - Azure subscription id. Defaults to E(AZURE_SUBSCRIPTION_ID), then the credential file profile, then the default
        Azure CLI subscription (with the CLI login only).
    type: str
  client_id:
    description:
      - Service principal application (client) id, or the client id of a user-assigned managed identity with
        O(auth_source=msi). Defaults to E(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - Service principal client secret. Defaults to E(AZURE_SECRET). Never logged.
    type: str
  tenant:
    description:
      - Microsoft Entra tenant id of the service principal. Defaults to E(AZURE_TENANT).
    type: str
  x509_certificate_path:
    description:
      - PEM file with the service principal's certificate and private key (certificate credential).
        Defaults to E(AZURE_X509_CERTIFICATE_PATH).
    type: path
  thumbprint:
    description:
      - Accepted for compatibility with azure.azcollection (E(AZURE_THUMBPRINT)); azure-identity derives the
        thumbprint from O(x509_certificate_path), so the value is not used.
    type: str
  cloud_environment:
    description:
      - V(AzureCloud) (default), V(AzureUSGovernment), V(AzureChinaCloud), or the https URL of an ARM endpoint that serves
        metadata discovery (C(<url>/metadata/endpoints?api-version=1.0), as Azure Stack does); the authority host and
        token audience are then taken from that document. Defaults to E(AZURE_CLOUD_ENVIRONMENT).
    type: str
  disable_instance_discovery:
    description:
      - Skip Microsoft Entra instance discovery and authority validation (private clouds). Always on for a custom
        O(cloud_environment) URL. Defaults to E(AZURE_DISABLE_INSTANCE_DISCOVERY).
    type: bool
requirements:
  - azure-identity >= 1.15.0
  - azure-core >= 1.29.0
notes:
  - Requests are retried on HTTP 429 (honouring Retry-After), 408 and 5xx, at most 4 times with exponential backoff.
  - Tokens and secrets are never written to the output; errors carry the ARM error code, message and the
    C(x-ms-correlation-request-id) for support requests.
"""
