"""Run alembic on the archive's migrations: ``python -m service.archive.migrations -x url=URL COMMAND``."""

from __future__ import annotations

import sys

from alembic.config import CommandLine

from service.archive.migrations import HERE


def main(argv: list[str] | None = None) -> int:
    """Parse alembic's usual arguments and run the command against this environment."""
    cli = CommandLine(prog="python -m service.archive.migrations")
    options = cli.parser.parse_args(argv)
    if not hasattr(options, "cmd"):
        cli.parser.error("ange ett kommando, t.ex. upgrade head, current eller revision --autogenerate")
    from alembic.config import Config

    cfg = Config(cmd_opts=options)
    cfg.set_main_option("script_location", str(HERE))
    cli.run_cmd(cfg, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
