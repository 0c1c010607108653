"""The walk's direct hook calls answer exactly as pluggy's own call would."""

from __future__ import annotations

from wildcards_gen import Node, hookimpl
from wildcards_gen.plugins import first_result_caller, get_registry

KIDS = {"early": [Node("e", "early")], "late": [Node("l", "late")], "last": [Node("t", "last")]}


class Early:
    @hookimpl
    def iter_children(self, dataset, node, run):
        return KIDS["early"] if dataset == "shared" else None


class Late:
    @hookimpl
    def iter_children(self, dataset, node):  # declares fewer arguments: gets only those
        return KIDS["late"] if dataset in ("shared", "late-only") else None


class Fallback:
    @hookimpl(trylast=True)
    def iter_children(self, dataset, node, run):
        return KIDS["last"]


class Wrapper:
    @hookimpl(wrapper=True)
    def iter_children(self, dataset, node, run):
        result = yield
        return result


def both(**kwargs):
    hook = get_registry().pm.hook.iter_children
    return first_result_caller(hook)(**kwargs), hook(**kwargs)


def test_same_answers_as_pluggy_in_pluggys_order(register_plugin):
    register_plugin(Fallback(), name="fallback")
    register_plugin(Early(), name="early")
    register_plugin(Late(), name="late")
    node = Node("x", "x")
    for dataset, expected in (("shared", "late"), ("late-only", "late"), ("nobody", "last")):
        mine, pluggys = both(dataset=dataset, node=node, run=None)
        assert mine == pluggys == KIDS[expected], dataset


def test_none_when_no_plugin_answers(register_plugin):
    register_plugin(Early(), name="early")
    mine, pluggys = both(dataset="nobody-at-all", node=Node("x", "x"), run=None)
    assert mine is None and pluggys is None


def test_a_wrapper_hands_the_call_back_to_pluggy(register_plugin):
    register_plugin(Early(), name="early")
    register_plugin(Wrapper(), name="wrapper")
    hook = get_registry().pm.hook.iter_children
    assert first_result_caller(hook) is hook
