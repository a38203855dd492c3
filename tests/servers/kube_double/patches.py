"""The patch types kubernetes.core and helm send, as pure functions on JSON-shaped dicts.

JSON merge patch is RFC 7386 and JSON patch RFC 6902; strategic merge patch and server-side apply are approximations
(see the docstrings). The unit tests' fake dynamic client applies its merge patches with the same `merge_patch`.
"""

import copy


class PatchError(Exception):
    """A JSON patch that cannot be applied (the API server answers 422 Invalid)."""


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target, patch):
    """Approximation: merge patch, named list items merged by name, $-directives ignored."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(i, dict) and "name" in i for i in value)
            and isinstance(result.get(key), list)
        ):
            by_name = dict((item.get("name"), item) for item in result[key] if isinstance(item, dict))
            merged = []
            for item in value:
                if item.get("$patch") == "delete":
                    by_name.pop(item["name"], None)
                    continue
                merged.append(strategic_merge_patch(by_name.pop(item["name"], {}), item))
            result[key] = merged + list(by_name.values()) if key not in ("containers", "initContainers") else merged
        else:
            result[key] = strategic_merge_patch(result.get(key), value)
    return result


def apply_merge(target, applied):
    """Server-side apply approximation: deep merge of maps, lists replaced."""
    if not isinstance(applied, dict) or not isinstance(target, dict):
        return copy.deepcopy(applied)
    result = copy.deepcopy(target)
    for key, value in applied.items():
        result[key] = apply_merge(result.get(key), value)
    return result


def _pointer(path):
    if path == "":
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]


def json_patch(document, operations):
    document = copy.deepcopy(document)

    def parent_of(parts):
        node = document
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def get(parts):
        node = document
        for part in parts:
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def add(parts, value):
        parent = parent_of(parts)
        if isinstance(parent, list):
            parent.insert(len(parent) if parts[-1] == "-" else int(parts[-1]), value)
        else:
            parent[parts[-1]] = value

    def remove(parts):
        parent = parent_of(parts)
        return parent.pop(int(parts[-1])) if isinstance(parent, list) else parent.pop(parts[-1])

    try:
        for op in operations:
            parts = _pointer(op["path"])
            kind = op["op"]
            if kind == "add":
                add(parts, copy.deepcopy(op["value"]))
            elif kind == "remove":
                remove(parts)
            elif kind == "replace":
                remove(parts)
                add(parts, copy.deepcopy(op["value"]))
            elif kind == "test":
                if get(parts) != op["value"]:
                    raise PatchError("json patch test failed at {0}".format(op["path"]))
            elif kind in ("move", "copy"):
                value = get(_pointer(op["from"]))
                if kind == "move":
                    remove(_pointer(op["from"]))
                add(parts, copy.deepcopy(value))
            else:
                raise PatchError("unknown json patch op {0}".format(kind))
    except (KeyError, IndexError, ValueError, TypeError) as error:
        raise PatchError("json patch failed: {0!r}".format(error)) from error
    return document
