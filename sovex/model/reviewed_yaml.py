"""Reading the short YAML files people review: requests, hosting targets, the provider
registry.

A reviewer reads the file; sovex must load exactly what they read, and a file that is not
one of these must neither hang sovex nor be echoed back. So:
- only a regular file of at most MAX_REVIEWED_FILE_BYTES is read (not /dev/zero, a FIFO);
- YAML 1.2 booleans only (no `NO` → False, the Norway problem), no duplicate keys (a reviewer
  reads the first value, a plain loader keeps the last), no merge keys (`<<`: values taken
  from elsewhere in the file);
- at most MAX_YAML_ALIASES aliases (nested aliases expand exponentially: the "billion
  laughs") and MAX_YAML_DEPTH levels of nesting (10,000 levels exhaust the parser's stack);
- numbers of at most MAX_NUMBER_CHARS characters, dates that exist, keys that are plain
  values;
- an error names the line and column and the rule, never the text around it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sovex.model.errors import InvalidInput
from sovex.model.small_files import read_small_file

# Requests and targets are short reviewed files: anything larger is not one.
MAX_REVIEWED_FILE_BYTES = 1 << 20
# Aliases a reviewed file may use: yaml.safe_dump writes a few for repeated values; 20
# nested ones expand to a few thousand items at most.
MAX_YAML_ALIASES = 20
# Nesting a reviewed file needs: a request goes 4 levels deep.
MAX_YAML_DEPTH = 32
# Longer numbers are not thresholds or shares; Python refuses ints past 4,300 digits.
MAX_NUMBER_CHARS = 32


class ReviewedYamlError(yaml.YAMLError):
    """A rule of reviewed YAML broken at a place in the file (line and column, 1-based)."""

    def __init__(self, rule: str, mark: yaml.Mark | None) -> None:
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        super().__init__(f"{where}{rule}")


def describe_yaml_error(error: yaml.YAMLError) -> str:
    """The problem and where, without the snippet of the file PyYAML would quote."""
    if isinstance(error, ReviewedYamlError):
        return str(error)
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        rule = error.problem or error.context or "not valid YAML"
        return str(ReviewedYamlError(rule, mark))
    return "not valid YAML"


class _ReviewedLoader(yaml.SafeLoader):
    aliases_seen = 0
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_YAML_ALIASES:
                raise ReviewedYamlError(
                    f"more than {MAX_YAML_ALIASES} aliases (*name) are not accepted",
                    self.peek_event().start_mark,
                )
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise ReviewedYamlError(
                    f"nested more than {MAX_YAML_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ReviewedYamlError(
                    "merge keys (<<) are not accepted: write each field where it applies",
                    key_node.start_mark,
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise ReviewedYamlError("a key must be a plain value", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ReviewedYamlError(f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        _check_number_length(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        _check_number_length(node)
        return super().construct_yaml_float(node)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            raise ReviewedYamlError("not a date that exists", node.start_mark) from None


def _check_number_length(node: yaml.ScalarNode) -> None:
    if len(node.value) > MAX_NUMBER_CHARS:
        raise ReviewedYamlError(
            f"a number of more than {MAX_NUMBER_CHARS} characters", node.start_mark
        )


_ReviewedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ReviewedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_ReviewedLoader.add_constructor("tag:yaml.org,2002:int", _ReviewedLoader.construct_yaml_int)
_ReviewedLoader.add_constructor("tag:yaml.org,2002:float", _ReviewedLoader.construct_yaml_float)
_ReviewedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _ReviewedLoader.construct_yaml_timestamp
)


def read_reviewed_file(path: Path) -> str:
    """The text of a reviewed file: a regular file (not a device, a FIFO or /dev/zero) of
    at most MAX_REVIEWED_FILE_BYTES, in UTF-8. OSError and UnicodeDecodeError are the
    caller's to report; a wrong kind or size is InvalidInput."""
    return read_small_file(path, MAX_REVIEWED_FILE_BYTES, "request or target file").decode("utf-8")


def safe_yaml_load(text: str) -> Any:
    """Load reviewed YAML text; ReviewedYamlError (a yaml.YAMLError) on a broken rule."""
    try:
        return yaml.load(text, Loader=_ReviewedLoader)  # a SafeLoader subclass
    except RecursionError:
        # The depth cap stops nesting in the composer; this is a last guard.
        raise ReviewedYamlError(f"nested more than {MAX_YAML_DEPTH} levels deep", None) from None


def load_reviewed_yaml(path: Path, kind: str) -> Any:
    """A reviewed file's YAML content; InvalidInput names the file and the rule, never its
    content. `kind` says what the file should be ("request", "hosting target")."""
    try:
        return safe_yaml_load(read_reviewed_file(path))
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the {kind} file: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path}: not UTF-8 text (byte {error.start} cannot be decoded)"
        ) from None
    except yaml.YAMLError as error:
        raise InvalidInput(f"{path}: not valid YAML: {describe_yaml_error(error)}") from None
