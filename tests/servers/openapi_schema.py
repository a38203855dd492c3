"""Turn the published ARM OpenAPI (Swagger 2.0) definitions into strict JSON Schemas for request validation.

`$ref`s are resolved across files (relative paths, as in azure-rest-api-specs). Request schemas are strict: a
property the spec does not declare is an error (catches typos such as `configurationSetting`), and read-only
properties must not be sent.
"""
import copy
import json
from pathlib import Path

SWAGGER_ONLY_KEYS = {"x-ms-client-flatten", "x-ms-secret", "x-ms-enum", "x-ms-identifiers", "x-ms-mutability",
                     "x-ms-azure-resource", "x-ms-client-name", "x-ms-discriminator-value", "example", "discriminator",
                     "x-ms-parameter-location", "x-ms-external", "x-ms-client-default", "x-nullable", "readOnly",
                     "x-ms-flatten", "x-ms-long-running-operation", "title"}


class SwaggerResolver:
    def __init__(self):
        self._files = {}

    def load(self, path):
        path = Path(path).resolve()
        if path not in self._files:
            self._files[path] = json.loads(path.read_text())
        return self._files[path]

    def _follow(self, ref, base):
        file_part, _hash, pointer = ref.partition("#")
        target = (base.parent / file_part).resolve() if file_part else base
        node = self.load(target)
        for part in [p for p in pointer.split("/") if p]:
            node = node[part]
        return node, target

    def schema(self, ref, base, request=True):
        """Strict JSON Schema for the definition at `ref` (relative to file `base`)."""
        node, target = self._follow(ref, Path(base).resolve())
        return self._convert(node, target, request, depth=0)

    def _convert(self, node, base, request, depth):
        if depth > 25:
            return {}
        if isinstance(node, list):
            return [self._convert(item, base, request, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        nullable = node.get("x-nullable", False)
        if "$ref" in node:
            target, target_base = self._follow(node["$ref"], base)
            resolved = self._convert(target, target_base, request, depth + 1)
            siblings = {k: v for k, v in node.items() if k not in ("$ref",) and k not in SWAGGER_ONLY_KEYS and k != "description"}
            if siblings:
                resolved = {"allOf": [resolved, self._convert(siblings, base, request, depth + 1)]}
            if nullable or target.get("x-nullable"):
                return {"anyOf": [resolved, {"type": "null"}]}
            return resolved
        out = {}
        for key, value in node.items():
            if key in SWAGGER_ONLY_KEYS or key == "description":
                continue
            if key == "properties":
                out["properties"] = {}
                for name, sub in value.items():
                    if request and isinstance(sub, dict) and sub.get("readOnly"):
                        continue  # not declared for requests: sending it is a violation
                    out["properties"][name] = self._convert(sub, base, request, depth + 1)
            elif key == "allOf" and request:
                # Resource bases (ProxyResource) only add read-only id/name/type/systemData: fold their request-side
                # properties in so the whole object stays strict.
                for part in value:
                    converted = self._convert(part, base, request, depth + 1)
                    for part_schema in converted.get("allOf", [converted]) if isinstance(converted, dict) else []:
                        out.setdefault("properties", {}).update(part_schema.get("properties") or {})
            elif key == "allOf":
                out["allOf"] = [self._convert(v, base, request, depth + 1) for v in value]
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                out[key] = self._convert(value, base, request, depth + 1)
            else:
                out[key] = copy.deepcopy(value)
        if request and "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        if nullable and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
