"""Every validation error a service, form or API view raises carries a machine-readable code, so API
clients need not parse the localized text (core.api puts the codes next to the messages).

Read from the source (AST): a `ValidationError(message)` with a message written in place must say
`code=`; a dict of field errors must hold `ValidationError(message, code=…)` values. An error built
elsewhere and passed on (`ValidationError(errors)`) is checked where its parts are written.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {"tests", "migrations"}


def source_files():
    for path in sorted((ROOT / "mengkeju").rglob("*.py")):
        if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
            yield path


def is_validation_error(node) -> bool:
    func = getattr(node, "func", None)
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return isinstance(node, ast.Call) and name == "ValidationError"


def written_message(node) -> bool:
    """A message written in place: a string, a translation call, a formatted or joined string."""
    if isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        return name in {"_", "gettext", "gettext_lazy", "ngettext", "format", "join"}
    return False


def problems_in(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if is_validation_error(node) and node.args:
            has_code = any(k.arg == "code" for k in node.keywords)
            first = node.args[0]
            if written_message(first) and not has_code:
                found.append(f"{where}: ValidationError without code=")
            if isinstance(first, ast.Dict):
                for value in first.values:
                    if written_message(value):
                        found.append(f"{where}: field message without ValidationError(…, code=…)")
        # errors["field"] = _("…") builds a dict of messages without codes
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id.endswith("errors")
                and written_message(node.value)
            ):
                found.append(f"{where}: {target.value.id}[…] = message without ValidationError(…, code=…)")
    return found


def test_every_validation_error_has_a_code():
    problems = [p for path in source_files() for p in problems_in(path)]
    assert not problems, f"{len(problems)} validation errors without a code:\n" + "\n".join(problems)


def test_the_check_sees_the_shapes_it_rules_on(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(errors):\n"
        "    raise ValidationError(_('a'))\n"
        "    raise ValidationError(_('a'), code='x')\n"
        "    raise ValidationError({'f': _('b')})\n"
        "    raise ValidationError({'f': ValidationError(_('b'), code='y')})\n"
        "    errors['g'] = _('c')\n"
        "    errors['g'] = ValidationError(_('c'), code='z')\n"
        "    raise ValidationError(errors)\n",
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = problems_in(sample)
    finally:
        ROOT = saved
    assert sorted(int(p.split(":")[1]) for p in found) == [2, 4, 6]
