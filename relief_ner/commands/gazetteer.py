"""`relief-ner gazetteer build`: the packaged administrative-division resources."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._common import app, err, fail

gazetteer_app = typer.Typer(no_args_is_help=True, help="The administrative-division resources.")
app.add_typer(gazetteer_app, name="gazetteer")


@gazetteer_app.command("build")
def gazetteer_build(
    source: Path = typer.Option(
        None, "--source", help="china-division tables (default: <texts>/gazetteer/china-division_npm)."
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", help="Name list to write (default: the package's resources/gazetteer.txt.gz)."
    ),
    coordinates: Optional[Path] = typer.Option(
        None, "--coordinates", help="cpca's adcodes.csv (default: <texts>/gazetteer/cpca_pypi/adcodes.csv, if there)."
    ),
    divisions_out: Optional[Path] = typer.Option(
        None, "--divisions-out", help="Division table to write (default: the package's resources/divisions.bin.gz)."
    ),
    names: bool = typer.Option(
        True, "--names/--no-names", help="Also rebuild the name list (--no-names: the division table only)."
    ),
) -> None:
    """Compile the packaged gazetteer resources from the NBS division tables: the name list
    of the rules' place matcher and the division table of the place resolver."""
    from ..corpus.texts import default_texts_dir
    from ..divisions import DIVISIONS_RESOURCE, build_divisions
    from ..gazetteer import RESOURCE, build_gazetteer

    texts = default_texts_dir()
    source = source or texts / "gazetteer" / "china-division_npm"
    if coordinates is None:
        default = texts / "gazetteer" / "cpca_pypi" / "adcodes.csv"
        coordinates = default if default.exists() else None
    names_out, table_out = out or RESOURCE, divisions_out or DIVISIONS_RESOURCE
    try:
        if names:
            with err.status(f"reading {source} for the name list"):
                counts = build_gazetteer(source, names_out)
            err.print(f"wrote {names_out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        with err.status(f"reading {source} for the division table"):
            table = build_divisions(source, coordinates, table_out)
    except (FileNotFoundError, ValueError) as e:
        fail(str(e))
    err.print(
        f"wrote {table_out} ({table_out.stat().st_size / 1e6:.1f} MB): "
        + ", ".join(f"{k} {v:,}" for k, v in table.items())
        + ("" if coordinates else "; no coordinates (no adcodes.csv)")
    )
