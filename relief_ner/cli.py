"""The `relief-ner` command line (commands live in `relief_ner.commands`)."""

from __future__ import annotations

from .commands import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
