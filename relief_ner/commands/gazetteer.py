"""`relief-ner gazetteer build`: the packaged administrative-division resource."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._common import app, err, fail

gazetteer_app = typer.Typer(no_args_is_help=True, help="The administrative-division resource.")
app.add_typer(gazetteer_app, name="gazetteer")


@gazetteer_app.command("build")
def gazetteer_build(
    source: Path = typer.Option(None, "--source", help="china-division tables (default: <texts>/gazetteer/china-division_npm)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Resource file to write (default: the package's)."),
) -> None:
    """Compile the packaged gazetteer resource from the NBS division tables."""
    from ..corpus.texts import default_texts_dir
    from ..gazetteer import RESOURCE, build_gazetteer

    source = source or default_texts_dir() / "gazetteer" / "china-division_npm"
    try:
        counts = build_gazetteer(source, out or RESOURCE)
    except FileNotFoundError as e:
        fail(str(e))
    err.print(f"wrote {out or RESOURCE}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
