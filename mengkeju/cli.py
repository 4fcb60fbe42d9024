"""The `mengkeju` console script: friendly names for the platform's management commands.

mengkeju demo [--port N]         migrate, load region + demo data, serve, print the URL
mengkeju serve [--port N]        serve the platform
mengkeju load-region PATH        load a region pack
mengkeju import FILE [FILE …]    import achievements/demands (.jsonl/.csv/.xlsx)
mengkeju import-directory --kind experts|platforms|services FILE …
                                 import experts/platforms/services (.csv/.xlsx)
mengkeju load-demo               load the demo data
mengkeju <django command> …      any other Django management command (migrate, createsuperuser …)
"""

import os
import sys

ALIASES = {
    "load-region": "load_region",
    "import": "import_listings",
    "load-demo": "load_demo",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mengkeju.settings")
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return
    if argv[0] == "eval-matching":  # the engine needs no Django
        from mengkeju.retrieval.evaluate import main as evaluate

        raise SystemExit(evaluate(argv[1:]))
    argv[0] = ALIASES.get(argv[0], argv[0].replace("-", "_"))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mengkeju", *argv])


if __name__ == "__main__":
    main()
