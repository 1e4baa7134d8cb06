"""Reads a CloudFormation/SAM template the way CloudFormation would, for the local stack.

template.yaml is the one source of truth, so the harness resolves it instead of repeating it: the
YAML short tags, Parameters (defaults + overrides), pseudo parameters, Conditions, Mappings and the
intrinsic functions a SAM template uses. Resource ids come from a callback, so this module knows
nothing about the resources the harness creates.
"""

from __future__ import annotations

import base64
import json
import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import yaml


class TemplateError(ValueError):
    """A template (or parameter override) the local stack cannot resolve; the message says where."""


# ---------------------------------------------------------------------------------------------
# YAML with CloudFormation short tags
# ---------------------------------------------------------------------------------------------
class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref x`, `!Sub s`, `!GetAtt A.B`, ... into their long forms."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise TemplateError(f"unsupported YAML node for !{suffix}")
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


_PARSED: dict[tuple[str, int, int], bytes] = {}


def load_template(path: Path) -> dict[str, Any]:
    """The template as plain dicts/lists, short tags expanded to `{"Ref": ...}` / `{"Fn::X": ...}`.

    Parsed once per file version (every test deploys the same template) and copied per caller
    (kept pickled: unpickling a copy costs a quarter of `copy.deepcopy`).
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
        if not isinstance(loaded, dict) or not isinstance(loaded.get("Resources"), dict):
            raise TemplateError(f"{path}: not a CloudFormation template (no Resources mapping)")
        _PARSED[key] = pickle.dumps(loaded)
    template: dict[str, Any] = pickle.loads(_PARSED[key])
    return template


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------
def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str] | None) -> dict[str, Any]:
    """Template defaults with `overrides` applied and checked as CloudFormation checks them.

    Values are strings (lists for CommaDelimitedList/List<...>). An override of a parameter the
    template does not declare is an error: it would otherwise silently change nothing.
    """
    declared: Mapping[str, Any] = template.get("Parameters") or {}
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"parameter override(s) not declared in the template: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(f"parameter {name} has no Default and no override was given")
        text = ",".join(str(v) for v in raw) if isinstance(raw, list) else _scalar_text(raw)
        allowed = spec.get("AllowedValues")
        if allowed is not None and text not in [_scalar_text(v) for v in allowed]:
            raise TemplateError(f"parameter {name}={text!r} is not one of {allowed}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and not re.fullmatch(pattern, text):
            raise TemplateError(f"parameter {name}={text!r} does not match {pattern!r}")
        kind = str(spec.get("Type", "String"))
        if kind == "Number":
            try:
                number = float(text)
            except ValueError:
                raise TemplateError(f"parameter {name}={text!r} is not a Number") from None
            if "MinValue" in spec and number < float(spec["MinValue"]):
                raise TemplateError(f"parameter {name}={text} is below MinValue {spec['MinValue']}")
            if "MaxValue" in spec and number > float(spec["MaxValue"]):
                raise TemplateError(f"parameter {name}={text} is above MaxValue {spec['MaxValue']}")
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            values[name] = [part.strip() for part in text.split(",")] if text else []
        else:
            values[name] = text
    return values


def _scalar_text(value: Any) -> str:
    """CloudFormation's string form of a YAML scalar (true -> "true", 5 -> "5")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------------------------------------
# Intrinsic functions
# ---------------------------------------------------------------------------------------------
class ResourceIds(Protocol):
    """What `Ref` and `Fn::GetAtt` of a resource resolve to: supplied by the deployer."""

    def ref(self, logical_id: str) -> Any: ...

    def get_att(self, logical_id: str, attribute: str) -> Any: ...


class _NoValue:
    """`AWS::NoValue`: the property (or list item) it stands for is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions and Conditions against parameters, pseudo parameters and ids.

    Small and general on purpose: it knows the intrinsic functions, not the template's resources.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        pseudo: Mapping[str, str],
        resources: ResourceIds,
    ) -> None:
        self._conditions_spec: Mapping[str, Any] = template.get("Conditions") or {}
        self._mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self._resource_ids = set((template.get("Resources") or {}).keys())
        self.parameters = dict(parameters)
        self.pseudo = dict(pseudo)
        self.resources = resources
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- conditions ----------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        """The value of a named condition (memoised; a cycle is an error, as in CloudFormation)."""
        if name in self._conditions:
            return self._conditions[name]
        if name not in self._conditions_spec:
            raise TemplateError(f"unknown condition {name!r}")
        if name in self._evaluating:
            raise TemplateError(f"condition {name!r} refers to itself")
        self._evaluating.add(name)
        try:
            value = self.resolve(self._conditions_spec[name])
        finally:
            self._evaluating.discard(name)
        if not isinstance(value, bool):
            raise TemplateError(f"condition {name!r} is not a boolean: {value!r}")
        self._conditions[name] = value
        return value

    # -- values --------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function evaluated; AWS::NoValue entries removed."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref" or key == "Condition" or key.startswith("Fn::"):
                    return self._intrinsic(key, argument)
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        return value

    def ref(self, name: str) -> Any:
        """`Ref`: a parameter, a pseudo parameter, or a resource's physical id."""
        if name in self.parameters:
            return self.parameters[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self._resource_ids:
            return self.resources.ref(name)
        raise TemplateError(f"Ref to unknown name {name!r}")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self._resource_ids:
            raise TemplateError(f"Fn::GetAtt on unknown resource {logical_id!r}")
        return self.resources.get_att(logical_id, attribute)

    def sub(self, text: str, variables: Mapping[str, Any] | None = None) -> str:
        """`Fn::Sub`: `${Name}`, `${Resource.Attr}`, `${!Literal}` as CloudFormation reads them."""
        local = dict(variables or {})

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in local:
                return _text(local[name], f"${{{name}}}")
            if name in self.parameters or name in self.pseudo or name in self._resource_ids:
                return _text(self.ref(name), f"${{{name}}}")
            if "." in name:
                logical_id, _, attribute = name.partition(".")
                return _text(self.get_att(logical_id, attribute), f"${{{name}}}")
            raise TemplateError(f"Fn::Sub: unknown variable ${{{name}}} in {text!r}")

        return _SUB_VARIABLE.sub(replace, text)

    def _intrinsic(self, key: str, argument: Any) -> Any:
        if key == "Ref":
            return self.ref(str(self.resolve(argument)))
        if key == "Condition":
            return self.condition(str(argument))
        handler = getattr(self, "_fn_" + key[4:].lower(), None)
        if handler is None:
            raise TemplateError(f"{key} is not supported by the local stack")
        return handler(argument)

    def _fn_getatt(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        argument = self.resolve(argument)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"Fn::GetAtt needs [resource, attribute], got {argument!r}")
        return self.get_att(str(argument[0]), str(argument[1]))

    def _fn_sub(self, argument: Any) -> str:
        if isinstance(argument, str):
            return self.sub(argument)
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            variables = self.resolve(argument[1])
            if not isinstance(variables, dict):
                raise TemplateError(f"Fn::Sub variables must be a mapping, got {variables!r}")
            return self.sub(argument[0], variables)
        raise TemplateError(f"Fn::Sub needs a string or [string, variables], got {argument!r}")

    def _fn_join(self, argument: Any) -> str:
        argument = self.resolve(argument)
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list)):
            raise TemplateError(f"Fn::Join needs [delimiter, [values]], got {argument!r}")
        return str(argument[0]).join(_text(v, "Fn::Join") for v in argument[1])

    def _fn_select(self, argument: Any) -> Any:
        argument = self.resolve(argument)
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list)):
            raise TemplateError(f"Fn::Select needs [index, [values]], got {argument!r}")
        index = int(argument[0])
        if not 0 <= index < len(argument[1]):
            raise TemplateError(f"Fn::Select index {index} out of range for {argument[1]!r}")
        return argument[1][index]

    def _fn_split(self, argument: Any) -> list[str]:
        argument = self.resolve(argument)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"Fn::Split needs [delimiter, string], got {argument!r}")
        return str(argument[1]).split(str(argument[0]))

    def _fn_if(self, argument: Any) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(f"Fn::If needs [condition, then, else], got {argument!r}")
        chosen = argument[1] if self.condition(str(argument[0])) else argument[2]
        return self.resolve(chosen)

    def _fn_equals(self, argument: Any) -> bool:
        argument = self.resolve(argument)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"Fn::Equals needs two values, got {argument!r}")
        left, right = (_scalar_text(v) if not isinstance(v, list | dict) else v for v in argument)
        return bool(left == right)

    def _fn_not(self, argument: Any) -> bool:
        values = self._booleans("Fn::Not", argument)
        if len(values) != 1:
            raise TemplateError(f"Fn::Not needs one condition, got {argument!r}")
        return not values[0]

    def _fn_and(self, argument: Any) -> bool:
        return all(self._booleans("Fn::And", argument))

    def _fn_or(self, argument: Any) -> bool:
        return any(self._booleans("Fn::Or", argument))

    def _booleans(self, name: str, argument: Any) -> list[bool]:
        values = self.resolve(argument)
        if not isinstance(values, list) or not all(isinstance(v, bool) for v in values):
            raise TemplateError(f"{name} needs a list of conditions, got {argument!r}")
        return values

    def _fn_findinmap(self, argument: Any) -> Any:
        argument = self.resolve(argument)
        if not (isinstance(argument, list) and len(argument) in (3, 4)):
            raise TemplateError(f"Fn::FindInMap needs [map, key, key], got {argument!r}")
        try:
            return self._mappings[argument[0]][argument[1]][argument[2]]
        except KeyError:
            if len(argument) == 4 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
                return argument[3]["DefaultValue"]
            raise TemplateError(f"Fn::FindInMap: no {argument[:3]!r} in Mappings") from None

    def _fn_base64(self, argument: Any) -> str:
        return base64.b64encode(_text(self.resolve(argument), "Fn::Base64").encode()).decode()

    def _fn_getazs(self, argument: Any) -> list[str]:
        region = str(self.resolve(argument) or self.pseudo["AWS::Region"])
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_tojsonstring(self, argument: Any) -> str:
        return json.dumps(self.resolve(argument), separators=(",", ":"))

    def _fn_length(self, argument: Any) -> int:
        value = self.resolve(argument)
        if not isinstance(value, list):
            raise TemplateError(f"Fn::Length needs a list, got {value!r}")
        return len(value)


def _text(value: Any, where: str) -> str:
    """A resolved value used inside a string; lists and mappings cannot be, as in CloudFormation."""
    if isinstance(value, list | dict) or value is NO_VALUE:
        raise TemplateError(f"{where}: {value!r} cannot be used as a string")
    return _scalar_text(value)
