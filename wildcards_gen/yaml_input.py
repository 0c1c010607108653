"""Reading YAML inputs (wildcard files, manifests, smart configs) safely and fast.

Every YAML file a command reads comes from a user, so nothing in it is trusted:

- only regular files are read (a FIFO would block, ``/dev/zero`` never ends),
  and at most ``$WILDCARDS_GEN_MAX_INPUT_MB`` megabytes (default 256);
- the node tree is composed from libyaml's events (PyYAML's C parser: a 50 MB
  file in seconds) by an iterative loop that bounds nesting depth and the
  nodes that aliases add (a kilobyte of nested anchors, "billion laughs",
  would otherwise expand to gigabytes in whatever walks the tree);
- merge keys (``<<: *base``) are resolved as the YAML 1.1 readers (Dynamic
  Prompts, Impact Pack) resolve them; a recursive alias is refused.

Every refusal is a :class:`YAMLProblem`: a one-line ``FILE:LINE:COLUMN`` error.
Nodes mimic ruamel.yaml's composed nodes (``value``, ``style``, ``tag``,
``start_mark``), but are small: a line and a column, no mark objects.
``parse`` gives the round-trip data (ruamel.yaml, comments and ``.lc``
positions) for the small files that need it, after the same checks.
"""

from __future__ import annotations

import os
import stat
from typing import NamedTuple

from wildcards_gen.errors import UsageError

SIZE_ENV = "WILDCARDS_GEN_MAX_INPUT_MB"
DEFAULT_MAX_MB = 256
MAX_DEPTH = 100  # nesting levels; wildcard trees are a handful deep
MAX_ALIAS_NODES = 1_000_000  # nodes that aliases may add beyond those written out
STR_TAG = "tag:yaml.org,2002:str"


class YAMLProblem(UsageError):
    """A YAML input that cannot be read: where (0-based line and column) and why."""

    def __init__(self, path, line: int | None, column: int | None, problem: str, what: str = "YAML file"):
        self.line, self.column, self.problem = line, column, problem
        where = f"{path}:{line + 1}:{(column or 0) + 1}" if line is not None else str(path)
        super().__init__(f"{where}: the {what} {problem}")


class Mark(NamedTuple):
    line: int
    column: int


class Node:
    """Slots only, and no end column: a 50 MB file is two million of these."""

    __slots__ = ("column", "end_line", "explicit_tag", "line", "style", "value")
    id = "node"

    def __init__(self, value, style, explicit_tag, line, column, end_line=0):
        self.value = value
        self.style = style
        self.explicit_tag = explicit_tag
        self.line, self.column, self.end_line = line, column, end_line

    @property
    def start_mark(self) -> Mark:
        return Mark(self.line, self.column)

    @property
    def end_mark(self) -> Mark:
        """The line where the node ends (the column is not kept: 0)."""
        return Mark(self.end_line, 0)

    @property
    def flow_style(self) -> bool:
        return self.style == "flow"


class ScalarNode(Node):
    """A scalar: ``value`` is its text, ``style`` None when plain, else ``'`` ``"`` ``|`` ``>``."""

    __slots__ = ()
    id = "scalar"

    @property
    def tag(self) -> str:
        """The tag a YAML 1.2 loader gives it (what wildcards-generator's loader reads)."""
        if self.explicit_tag and self.explicit_tag != "!":
            return self.explicit_tag
        if self.style is not None or self.explicit_tag == "!":
            return STR_TAG
        return _resolve_12(self.value)


_STYLES = (None, "'", '"', "|", ">")
_STYLE_CODE = {style: code for code, style in enumerate(_STYLES)}


class SequenceNode(Node):
    """A list: ``value`` is its item nodes.

    Scalar items are kept as columns (texts, lines, columns, style codes), about 25
    bytes an item instead of a node object, and made into :class:`ScalarNode`
    objects only when read: a large wildcard file is millions of items.
    """

    __slots__ = ("_columns", "_extra", "_items", "_lines", "_styles")
    id = "sequence"

    def __init__(self, style, explicit_tag, line: int, column: int):
        from array import array

        self.style, self.explicit_tag = style, explicit_tag
        self.line, self.column, self.end_line = line, column, line
        self._items: list = []  # a scalar's text, or the item node itself
        self._lines = array("q")
        self._columns = array("l")
        self._styles = bytearray()  # index into _STYLES; 255 for a node kept whole
        self._extra: dict[int, tuple] = {}  # index -> (explicit tag, end line) for the rare scalar with either

    def add(self, node: Node) -> None:
        index = len(self._items)
        if node.__class__ is ScalarNode:
            self._items.append(node.value)
            self._styles.append(_STYLE_CODE.get(node.style, 0))
            if node.explicit_tag or node.end_line != node.line:
                self._extra[index] = (node.explicit_tag, node.end_line)
        else:
            self._items.append(node)
            self._styles.append(255)
        self._lines.append(node.line)
        self._columns.append(node.column)

    @property
    def value(self) -> Items:
        return Items(self)


class Items:
    """The item nodes of a :class:`SequenceNode`, made on access."""

    __slots__ = ("_node",)

    def __init__(self, node: SequenceNode):
        self._node = node

    def __len__(self) -> int:
        return len(self._node._items)

    def __getitem__(self, index: int) -> Node:
        node = self._node
        item = node._items[index]
        code = node._styles[index]
        if code == 255:
            return item
        index = index if index >= 0 else index + len(node._items)
        line = node._lines[index]
        tag, end_line = node._extra.get(index, (None, line))
        return ScalarNode(item, _STYLES[code], tag, line, node._columns[index], end_line)

    def __iter__(self):
        for index in range(len(self._node._items)):
            yield self[index]


class MappingNode(Node):
    """A mapping: ``value`` is its ``(key node, value node)`` pairs in file order, duplicates kept."""

    __slots__ = ()
    id = "mapping"


_IMPLICIT_12: dict | None = None  # first character -> [(tag, regexp)], ruamel.yaml's YAML 1.2 rules


def _resolve_12(value: str) -> str:
    """The implicit tag of a plain scalar under YAML 1.2, by ruamel.yaml's own rules."""
    global _IMPLICIT_12
    if _IMPLICIT_12 is None:
        from ruamel.yaml.resolver import VersionedResolver

        table = VersionedResolver(version=(1, 2)).versioned_resolver
        _IMPLICIT_12 = {first: list(rules) + list(table.get(None, [])) for first, rules in table.items()}
        _IMPLICIT_12.setdefault("", [])
    for tag, regexp in _IMPLICIT_12.get(value[:1], ()):
        if regexp.match(value):
            return str(tag)
    return STR_TAG


def max_input_bytes() -> int:
    raw = os.environ.get(SIZE_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        megabytes = float(raw)
    except ValueError:
        raise UsageError(f"{SIZE_ENV}={raw!r} is not a number of megabytes") from None
    if megabytes <= 0:
        raise UsageError(f"{SIZE_ENV} must be a positive number of megabytes, not {raw}")
    return int(megabytes * 1024 * 1024)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path, what: str) -> bytes:
    """The bytes of a regular file no larger than the input limit; one-line errors otherwise."""
    limit = max_input_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # before fdopen, which refuses a folder with its own error
        os.close(fd)
        raise UsageError(f"{path}: the {what} is {_kind(mode)}; give a regular file")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise UsageError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UsageError(f"{path}: the {what} is larger than {limit // (1024 * 1024)} MB; raise {SIZE_ENV} to read it")
    return data


def check_utf8(data: bytes, path, what: str) -> None:
    """Raise :class:`YAMLProblem` (with the line) unless ``data`` is UTF-8."""
    decode(data, path, what)


def decode(data: bytes, path, what: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n")
        raise YAMLProblem(path, line, None, f"is not UTF-8 (byte {exc.start})", what) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_text(path, what: str) -> str:
    """The text of a regular, bounded, UTF-8 file (a leading byte-order mark dropped)."""
    return decode(read_bytes(path, what), path, what)


def compose(text: str | bytes, path="<text>", what: str = "YAML file") -> Node | None:
    """The node tree of a one-document ``text`` (None when empty), within the limits above.

    Give large files as UTF-8 bytes: libyaml reads them without a second copy.
    """
    import yaml as pyyaml

    from wildcards_gen.gc_pause import paused_gc

    loader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
    try:
        with paused_gc():
            return _compose(pyyaml.parse(text, Loader=loader), path, what)
    except pyyaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "is not valid YAML").split())
        raise YAMLProblem(
            path, mark.line if mark else None, mark.column if mark else None, f"is not valid YAML: {problem}", what
        ) from None
    except pyyaml.YAMLError as exc:
        raise YAMLProblem(path, None, None, f"is not valid YAML: {' '.join(str(exc).split())}", what) from None


def _compose(events, path, what: str) -> Node | None:
    """One pass over the events with an explicit stack (no recursion, whatever the depth)."""
    import yaml as pyyaml

    scalar_event, alias_event = pyyaml.ScalarEvent, pyyaml.AliasEvent
    sequence_start, mapping_start = pyyaml.SequenceStartEvent, pyyaml.MappingStartEvent
    collection_end = (pyyaml.SequenceEndEvent, pyyaml.MappingEndEvent)
    document_start = pyyaml.DocumentStartEvent

    anchors: dict[str, tuple[Node, int]] = {}  # anchor -> (node, its expanded size)
    open_anchors: set[str] = set()
    stack: list[list] = []  # [node, size so far, pending key node or None, anchor]
    root: list = []
    added = 0  # nodes that aliases added
    documents = 0

    def attach(node: Node, size: int) -> None:
        if not stack:
            root.append(node)
            return
        frame = stack[-1]
        frame[1] += size
        parent = frame[0]
        if parent.__class__ is SequenceNode:
            parent.add(node)
        elif frame[2] is None:
            frame[2] = node
        else:
            parent.value.append((frame[2], node))
            frame[2] = None

    for event in events:
        kind = event.__class__
        if kind is scalar_event:
            mark = event.start_mark
            end = event.end_mark
            line = mark.line
            node: Node = ScalarNode(
                event.value,
                event.style or None,
                event.tag,
                line,
                mark.column,
                line if end.line == line else end.line,  # one int object, not two: large files hold millions
            )
            if event.anchor:
                anchors[event.anchor] = (node, 1)
            attach(node, 1)
        elif kind is alias_event:
            mark = event.start_mark
            if event.anchor in open_anchors:
                raise YAMLProblem(path, mark.line, mark.column, f"has a recursive alias *{event.anchor}", what)
            if event.anchor not in anchors:
                raise YAMLProblem(path, mark.line, mark.column, f"uses the undefined alias *{event.anchor}", what)
            node, size = anchors[event.anchor]
            added += size
            if added > MAX_ALIAS_NODES:
                raise YAMLProblem(
                    path,
                    mark.line,
                    mark.column,
                    f"is refused: its aliases expand to more than {MAX_ALIAS_NODES:,} nodes "
                    "(nested anchors that multiply, a 'billion laughs' file)",
                    what,
                )
            attach(node, size)
        elif kind is sequence_start or kind is mapping_start:
            mark = event.start_mark
            if len(stack) >= MAX_DEPTH:
                raise YAMLProblem(path, mark.line, mark.column, f"nests deeper than {MAX_DEPTH} levels", what)
            style = "flow" if event.flow_style else None
            if kind is sequence_start:
                node = SequenceNode(style, event.tag, mark.line, mark.column)
            else:
                node = MappingNode([], style, event.tag, mark.line, mark.column)
            if event.anchor:
                open_anchors.add(event.anchor)
            stack.append([node, 1, None, event.anchor])
        elif kind in collection_end:
            node, size, _, anchor = stack.pop()
            node.end_line = event.end_mark.line
            if node.__class__ is MappingNode:
                _merge(node, path, what)
            if anchor:
                open_anchors.discard(anchor)
                anchors[anchor] = (node, size)
            attach(node, size)
        elif kind is document_start:
            documents += 1
            if documents > 1:
                mark = event.start_mark
                raise YAMLProblem(path, mark.line, mark.column, "holds more than one YAML document", what)
    return root[0] if root else None


def _merge(node: MappingNode, path, what: str) -> None:
    """Resolve ``<<`` merge keys in place, as YAML 1.1 loaders do: the mapping's own keys win,
    then the merged mappings in the order given."""
    if not any(k.__class__ is ScalarNode and k.value == "<<" and k.style is None for k, _ in node.value):
        return
    own = [(k, v) for k, v in node.value if not (k.__class__ is ScalarNode and k.value == "<<" and k.style is None)]
    sources: list[Node] = []
    for key, value in node.value:
        if key.__class__ is ScalarNode and key.value == "<<" and key.style is None:
            items = value.value if value.__class__ is SequenceNode else [value]
            for source in items:
                if source.__class__ is not MappingNode:
                    raise YAMLProblem(
                        path, key.line, key.column, "has a merge key '<<' whose value is not a mapping", what
                    )
                sources.append(source)
    seen = {k.value for k, _ in own if k.__class__ is ScalarNode}
    merged = []
    for source in sources:
        for key, value in source.value:
            name = key.value if key.__class__ is ScalarNode else None
            if name is not None and name in seen:
                continue
            if name is not None:
                seen.add(name)
            merged.append((key, value))
    node.value = merged + own


def line_comment(line: str) -> str | None:
    """The ``# ...`` comment that ends ``line``, outside quoted scalars; None if there is none."""
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote == "'":
            if c == "'":
                if line[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                quote = None
        elif quote == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quote = None
        elif c in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-?"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i:]
        i += 1
    return None


class Lines:
    """A text's lines by 0-based number, from an index of offsets: no list of millions of
    strings for a large file. Line breaks are ``\n``, ``\r\n`` or ``\r``, as YAML counts them."""

    def __init__(self, text: str | bytes):
        import re
        from array import array

        data = text.encode("utf-8") if isinstance(text, str) else text
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        self.text = data
        self.starts = array("q", [0])
        self.starts.extend(m.end() for m in re.finditer(b"\n", data))
        self.count = len(self.starts) - (1 if data.endswith(b"\n") or not data else 0)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, number: int) -> str:
        if not 0 <= number < self.count:
            raise IndexError(number)
        start = self.starts[number]
        end = self.starts[number + 1] - 1 if number + 1 < len(self.starts) else len(self.text)
        return self.text[start:end].decode("utf-8", "replace")

    def holding(self, char: str):
        """``(number, line)`` for each line that holds ``char``, in order."""
        from bisect import bisect_right

        text, position = self.text, 0
        while True:
            found = text.find(char.encode("utf-8"), position)
            if found < 0:
                return
            number = bisect_right(self.starts, found) - 1
            yield number, self[number]
            position = self.starts[number + 1] if number + 1 < len(self.starts) else len(text)


def parse(text: str, path, what: str, yaml=None):
    """Round-trip data (nodes carry ``.lc`` positions) after the checks of :func:`compose`."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    compose(text, path, what)  # depth, aliases, documents: refused before ruamel builds anything
    yaml = yaml or YAML(typ="rt")
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise UsageError(f"{where}: the {what} is not valid YAML: {exc.problem or exc.context}") from None
    except RecursionError:
        raise UsageError(f"{path}: the {what} nests too deeply to read") from None
    except Exception as exc:  # ruamel raises several other types; one line is enough
        raise UsageError(f"{path}: the {what} is not valid YAML: {' '.join(str(exc).split())}") from None


def read_yaml(path, what: str, yaml=None):
    return parse(read_text(path, what), path, what, yaml)
