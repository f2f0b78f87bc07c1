"""Entry point of the `registry` console script: the offline verifier without the app, everything else with it.

`registry verify-certificate PAYLOAD --keys FILE [--status-list FILE]` needs no database and no app, so it
runs on the light modules alone (starts in about 0.2 s instead of several seconds); without --keys it
falls back to the app, whose instance keyring is the default key set.
"""

from __future__ import annotations

import sys


def _offline(args: list[str]) -> bool:
    return args[:1] == ["verify-certificate"] and any(a == "--keys" or a.startswith("--keys=") for a in args[1:])


def main() -> None:
    args = sys.argv[1:]
    # The imports are deferred on purpose: which one runs decides the start-up time.
    if _offline(args):
        from registry.commands.verify_offline import make_verify_command

        make_verify_command(None).main(args[1:], prog_name="registry verify-certificate")
    else:
        from flask.cli import FlaskGroup

        from registry.app import create_app
        from registry.config import ConfigurationError

        try:
            FlaskGroup(create_app=create_app, help="OCOP and standards registry.").main(args, prog_name="registry")
        except ConfigurationError as err:  # a production start refused: the list, no traceback
            print(f"error: {err}", file=sys.stderr)
            sys.exit(2)


if __name__ == "__main__":
    main()
