"""Record Math-Verify's own test cases as a fixture of (gold, prediction, expected) strings.

Reads the test files of a snapshot of huggingface/Math-Verify (a git directory,
bare or not: files are read with ``git show <commit>:tests/...``, nothing is
checked out or imported) with ``ast`` and writes one JSON line per case to
``benchmarks/data/math_verify_cases.jsonl``. Their code is not copied: only the
literal strings of each case and the options its test passes to math-verify.

A case is an element of a ``@pytest.mark.parametrize`` list whose argument names
include ``gold`` and ``pred`` (and ``expected`` or ``result``), or a literal
``assert compare_strings("<gold>", "<pred>", ...) == <0|1>`` in a test body.
Elements built by an f-string of ``math`` functions (``f"{math.sqrt(17):.15f}"``)
are evaluated here; anything else that is not a literal is an error naming
file:line. Tests without a gold string (``test_string_extraction``'s
``StringExtractionConfig`` checks, the timeout mocks, the sympy-level
``test_precision`` asserts, the config tests) have no case to record.

Each record: ``source`` (``tests/<file>.py::<test>[<index>]``), ``line`` (of the
case in that file), ``commit`` (the snapshot), ``gold``, ``prediction``,
``expected`` (0 or 1), ``setting`` (``match_types``, ``precision``, ``strict``,
``allow_set_relation_comp``: what the test passes, the helper's defaults
filling the rest, read from the helper's own signature) and ``default`` (the
setting is math-verify's default one: LaTeX and expression extraction,
6-digit rounding, strict, no set/relation comparison).

    python benchmarks/extract_math_verify_cases.py \\
        [--repo /work/.mirror/huggingface+Math-Verify/repo] [--out benchmarks/data/math_verify_cases.jsonl]
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import subprocess
from pathlib import Path

DEFAULT_REPO = Path("/work/.mirror/huggingface+Math-Verify/repo")
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "math_verify_cases.jsonl"
# math-verify's defaults: parse() extracts with LaTeX and expression configs,
# verify() rounds floats to 6 digits, compares strictly, no set/relation comparison.
DEFAULT_SETTING = {"match_types": ["latex", "expr"], "precision": 6, "strict": True,
                   "allow_set_relation_comp": False}
# Helper keyword -> setting field (the helper names rounding "precision", as verify's float_rounding).
_HELPER = "compare_strings"
_SETTING_FIELDS = tuple(DEFAULT_SETTING)
# Functions an f-string of a case may call (a case's gold written as a float of sqrt(17)).
_MATH_FUNCTIONS = frozenset({"sqrt", "exp", "log", "sin", "cos", "tan"})


class NotALiteral(ValueError):
    pass


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def _value(node: ast.AST, where: str):
    """The value of a literal node, an f-string of ``math`` calls included."""
    if isinstance(node, (ast.Tuple, ast.List)):
        values = [_value(element, where) for element in node.elts]
        return values if isinstance(node, ast.List) else tuple(values)
    if isinstance(node, ast.JoinedStr):
        return "".join(_value(part, where) for part in node.values)
    if isinstance(node, ast.FormattedValue):
        value = _value(node.value, where)
        spec = "" if node.format_spec is None else _value(node.format_spec, where)
        return format(value, spec)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "math"
            and node.func.attr in _MATH_FUNCTIONS and not node.keywords):
        return getattr(math, node.func.attr)(*(_value(arg, where) for arg in node.args))
    try:
        return ast.literal_eval(node)
    except ValueError as error:
        raise NotALiteral(f"{where}:{node.lineno}: not a literal case ({ast.unparse(node)[:60]})") from error


def _helper_defaults(tree: ast.Module) -> tuple[list[str], dict]:
    """Parameter names and default values of the suite's comparison helper."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == _HELPER:
            names = [a.arg for a in node.args.args]
            defaults = dict(zip(names[len(names) - len(node.args.defaults):],
                                (_value(d, _HELPER) for d in node.args.defaults), strict=True))
            return names, defaults
    raise ValueError(f"no {_HELPER}() in the suite's test_all.py")


def _comparison_call(function: ast.FunctionDef) -> ast.Call | None:
    """The call of a test that compares gold and prediction: the helper, else verify()."""
    calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    for name in (_HELPER, "verify"):
        for call in calls:
            if call.func.id == name:
                return call
    return None


def _setting(call: ast.Call, helper: tuple[list[str], dict], params: dict, where: str) -> dict:
    """The options a comparison call passes, parameters of the case resolved."""
    names, defaults = helper
    setting = dict(DEFAULT_SETTING)
    if call.func.id != _HELPER:  # verify(parse(gold), parse(pred), ...): math-verify's own defaults
        passed = {k.arg: k.value for k in call.keywords}
        passed = {("precision" if k == "float_rounding" else k): v for k, v in passed.items()}
    else:
        setting.update({k: v for k, v in defaults.items() if k in _SETTING_FIELDS})
        passed = dict(zip(names, call.args, strict=False)) | {k.arg: k.value for k in call.keywords}
    for field in _SETTING_FIELDS:
        if field in passed:
            node = passed[field]
            setting[field] = params[node.id] if isinstance(node, ast.Name) and node.id in params else \
                _value(node, where)
    return setting


def _parametrized(decorator: ast.AST) -> tuple[list[str], ast.List] | None:
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "parametrize" and len(decorator.args) >= 2):
        return None
    names = [n.strip() for n in _value(decorator.args[0], "parametrize").split(",")]
    return names, decorator.args[1]


def cases_of_file(path: str, source: str, helper: tuple[list[str], dict], commit: str):
    """Yield the records of one test file (see the module docstring)."""
    tree = ast.parse(source, filename=path)
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test"):
            continue
        call = _comparison_call(function)
        for decorator in function.decorator_list:
            found = _parametrized(decorator)
            if found is None:
                continue
            names, values = found
            expected_name = "expected" if "expected" in names else "result"
            if not {"gold", "pred", expected_name} <= set(names) or call is None:
                continue
            for index, element in enumerate(values.elts):
                params = dict(zip(names, _value(element, path), strict=True))
                yield _record(path, f"{function.name}[{index}]", element.lineno, commit, params["gold"],
                              params["pred"], params[expected_name], _setting(call, helper, params, path))
        if function.decorator_list:
            continue
        # Literal comparisons in a plain test body: assert compare_strings("g", "p", ...) == 1
        for index, node in enumerate(n for n in ast.walk(function) if isinstance(n, ast.Compare)):
            left = node.left
            if not (isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == _HELPER
                    and len(left.args) >= 2 and len(node.comparators) == 1):
                continue
            gold, pred = (_value(arg, path) for arg in left.args[:2])
            expected = _value(node.comparators[0], path)
            yield _record(path, f"{function.name}[{index}]", node.lineno, commit, gold, pred, expected,
                          _setting(left, helper, {}, path))


def _record(path, test, line, commit, gold, pred, expected, setting) -> dict:
    if not isinstance(gold, str) or not isinstance(pred, str) or int(expected) not in (0, 1):
        raise NotALiteral(f"{path}:{line}: a case is not (str, str, 0|1)")
    return {"source": f"{path}::{test}", "line": line, "commit": commit, "gold": gold, "prediction": pred,
            "expected": int(expected), "setting": setting, "default": setting == DEFAULT_SETTING}


def extract(repo: Path) -> list[dict]:
    """Every case of the snapshot's test files, in file and source order."""
    commit = _git(repo, "rev-parse", "HEAD").strip()
    paths = [p for p in _git(repo, "ls-tree", "-r", "--name-only", commit, "tests/").split()
             if p.endswith(".py")]
    sources = {p: _git(repo, "show", f"{commit}:{p}") for p in paths}
    helper = _helper_defaults(ast.parse(sources["tests/test_all.py"]))
    return [case for p in paths for case in cases_of_file(p, sources[p], helper, commit)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO, help="a git directory of Math-Verify")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    cases = extract(args.repo)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    default = sum(c["default"] for c in cases)
    print(f"{len(cases)} cases ({default} in the default setting) from {cases[0]['commit'][:12]} -> {args.out}")


if __name__ == "__main__":
    main()
