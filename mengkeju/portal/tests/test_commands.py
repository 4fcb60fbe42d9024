"""The console script and the demo/serve commands."""

import io

import pytest
from django.core.management import call_command

from mengkeju.catalog.models import Achievement
from mengkeju.cli import main

pytestmark = pytest.mark.django_db


def test_demo_prepares_everything_and_is_repeatable():
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert Achievement.objects.filter(source="demo").count() >= 300
    call_command("demo", "--no-serve", stdout=io.StringIO())
    assert "Demo accounts" in out.getvalue()


@pytest.mark.parametrize(
    ("env", "args", "port"),
    [({}, [], 8000), ({"PORT": "9100"}, [], 9100), ({"PORT": "9100"}, ["--port", "9200"], 9200)],
)
def test_serve_port_comes_from_flag_or_environment(monkeypatch, env, args, port):
    from mengkeju.portal.management.commands.serve import Command

    monkeypatch.delenv("PORT", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    parser = Command().create_parser("mengkeju", "serve")
    assert parser.parse_args(args).port == port


def test_console_script_help_and_aliases(capsys):
    main(["--help"])
    assert "load-region" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["eval-matching", "--help"])
    assert "--qrels" in capsys.readouterr().out
