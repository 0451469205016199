"""Checks AzureML REST request bodies against the official models of azure-ai-ml (test infrastructure only).

A long-lived helper of the AzureML test control plane: reads one JSON request per stdin line,
{"model": "JobBase", "body": {...}}, and answers one JSON line, {"errors": ["/properties/inputs/data/uri: ...", ...]}.
The models are the SDK's generated REST models (azure.ai.ml._restclient.arm_ml_service.models): a body is
deserialized polymorphically (jobType, jobInputType, ...), then walked: unknown fields, missing required fields,
unknown discriminator values, wrong JSON types and values outside an enum's known values are errors.
"""
import enum
import json
import sys
import typing

from azure.ai.ml._restclient.arm_ml_service import models as M
from azure.ai.ml._restclient.arm_ml_service._utils import model_base

READ_ONLY_OK = False


def _optional(hint) -> bool:
    return typing.get_origin(hint) is typing.Union and type(None) in typing.get_args(hint)


def _strip_optional(hint):
    if _optional(hint):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else typing.Union[tuple(args)]
    return hint


def _hints(cls):
    try:
        module = sys.modules[cls.__module__]
        return typing.get_type_hints(cls, {**vars(module), "_models": M, "_enums": M})
    except Exception:  # pragma: no cover - a model whose hints do not resolve is checked by name only
        return {}


def _check_value(value, hint, path, errors):
    hint = _strip_optional(hint)
    origin = typing.get_origin(hint)
    if value is None:
        return
    if origin in (list, typing.List):
        if not isinstance(value, list):
            errors.append(f"{path}: expected an array")
            return
        (item,) = typing.get_args(hint) or (typing.Any,)
        for i, v in enumerate(value):
            _check_value(v, item, f"{path}/{i}", errors)
        return
    if origin in (dict, typing.Dict):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object")
            return
        args = typing.get_args(hint)
        item = args[1] if len(args) == 2 else typing.Any
        for k, v in value.items():
            _check_value(v, item, f"{path}/{k}", errors)
        return
    if origin is typing.Union:
        args = typing.get_args(hint)
        enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
        if enums and str in args:
            if not isinstance(value, str):
                errors.append(f"{path}: expected a string")
            elif not any(value in [e.value for e in en] for en in enums):
                known = sorted({e.value for en in enums for e in en})
                errors.append(f"{path}: {value!r} is not one of {known}")
            return
        for a in args:
            sub = []
            _check_value(value, a, path, sub)
            if not sub:
                return
        errors.append(f"{path}: {value!r} matches none of {args}")
        return
    if isinstance(hint, type) and issubclass(hint, model_base.Model):
        _check_model(value, hint, path, errors)
        return
    if hint is str and not isinstance(value, str):
        errors.append(f"{path}: expected a string, got {type(value).__name__}")
    elif hint is bool and not isinstance(value, bool):
        errors.append(f"{path}: expected a boolean")
    elif hint in (int, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
        errors.append(f"{path}: expected a number")


def _resolve(cls, value, path, errors):
    """The concrete class a polymorphic body selects through its discriminator(s)."""
    seen = []
    _fields(cls)
    while hasattr(cls, "__mapping__"):
        disc = cls._get_discriminator(seen)
        if disc is None:
            break
        seen.append(disc._rest_name)
        tag = value.get(disc._rest_name)
        if tag is None:
            errors.append(f"{path}/{disc._rest_name}: required (one of {sorted(cls.__mapping__)})")
            return cls
        sub = cls.__mapping__.get(tag)
        if sub is None:
            errors.append(f"{path}/{disc._rest_name}: {tag!r} is not one of {sorted(cls.__mapping__)}")
            return cls
        if sub is cls:
            break
        cls = sub
    return cls


def _fields(cls):
    """rest name -> (attribute, field); the SDK computes the table when the first instance is made."""
    if "_attr_to_rest_field" not in cls.__dict__:
        cls({})
    return {rf._rest_name: (attr, rf) for attr, rf in cls._attr_to_rest_field.items()}


def _check_model(value, cls, path, errors):
    if not isinstance(value, dict):
        errors.append(f"{path}: expected an object ({cls.__name__})")
        return
    cls = _resolve(cls, value, path, errors)
    hints = _hints(cls)
    fields = _fields(cls)
    for key in value:
        if key not in fields:
            errors.append(f"{path}/{key}: unknown field of {cls.__name__} (known: {sorted(fields)})")
    for rest, (attr, rf) in fields.items():
        hint = hints.get(attr, typing.Any)
        if rest not in value:
            if not _optional(hint) and not rf._is_discriminator and not _read_only(rf) and hint is not typing.Any:
                errors.append(f"{path}/{rest}: required by {cls.__name__}")
            continue
        if _read_only(rf) and not READ_ONLY_OK:
            continue
        _check_value(value[rest], hint, f"{path}/{rest}", errors)


def _read_only(rf) -> bool:
    return list(getattr(rf, "_visibility", None) or []) == ["read"]


def check(model: str, body) -> list:
    cls = getattr(M, model, None)
    if cls is None:
        return [f"no model {model} in azure-ai-ml"]
    errors: list = []
    _check_model(body, cls, "", errors)
    try:
        cls(body)
    except Exception as error:  # the SDK itself refuses the body
        errors.append(f"azure-ai-ml cannot deserialize the body: {error}")
    return errors


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            answer = {"errors": check(request["model"], request["body"])}
        except Exception as error:  # keep serving: one bad request must not end the helper
            answer = {"errors": [f"checker failed: {error}"]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
