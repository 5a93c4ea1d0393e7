"""`relief-ner annotate ...`: the doccano loop (server, push, pull)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from ._common import MODEL_HELP, ROOT_HELP, TEXTS_HELP, app, err, fail, load_pipeline

annotate_app = typer.Typer(no_args_is_help=True, help="The doccano annotation loop: server, push, pull.")
app.add_typer(annotate_app, name="annotate")
server_app = typer.Typer(no_args_is_help=True, help="A local doccano server (own virtual environment).")
annotate_app.add_typer(server_app, name="server")

ENV_HOME = "RELIEF_NER_DOCCANO_HOME"
URL_HELP = "doccano URL (env RELIEF_NER_DOCCANO_URL, default http://127.0.0.1:8000)."
USER_HELP = "doccano user (env RELIEF_NER_DOCCANO_USER, default admin)."
PASSWORD_HELP = "doccano password (prefer env RELIEF_NER_DOCCANO_PASSWORD: arguments show in `ps`)."


def default_workdir() -> Path:
    # The annotations live in this directory's SQLite database: not a cache, never auto-deleted.
    return Path(os.environ.get(ENV_HOME) or Path.home() / ".local/share/relief_ner/doccano")


def _settings(url: Optional[str], user: Optional[str], password: Optional[str]):
    from ..annotate import DoccanoSettings

    return DoccanoSettings.from_env(url, user, password)


@server_app.command("start")
def server_start(
    workdir: Path = typer.Option(default_workdir(), "--workdir", help=f"Database and media (env {ENV_HOME})."),
    port: int = typer.Option(8000, "--port"),
    user: str = typer.Option("admin", "--user"),
    password: Optional[str] = typer.Option(
        None,
        "--password",
        help=PASSWORD_HELP + " Default: the environment, else the password stored "
        "in WORKDIR/credentials.json (mode 0600) by an earlier start, else a new random one, shown once.",
    ),
    venv: Optional[Path] = typer.Option(None, "--venv", help="doccano's venv (env RELIEF_NER_DOCCANO_CACHE)."),
) -> None:
    """Install doccano into its own venv if needed and serve it on 127.0.0.1."""
    from ..annotate import DoccanoError, start_server

    try:
        handle = start_server(workdir, port, username=user, password=password, venv_dir=venv)
    except DoccanoError as e:
        fail(str(e), 1)
    err.print(
        f"doccano is running at {handle.url} (web pid {handle.web_pid}, worker pid "
        f"{handle.task_pid}); stop it with: relief-ner annotate server stop --workdir {handle.workdir}"
    )
    if handle.generated_password:
        err.print(
            f"user [bold]{handle.username}[/], new password [bold]{handle.password}[/] (shown once; "
            f"stored for the next start in {handle.workdir / 'credentials.json'}, readable by you only; "
            f"export {'RELIEF_NER_DOCCANO_PASSWORD'}=… for push/pull)"
        )


@server_app.command("stop")
def server_stop(workdir: Path = typer.Option(default_workdir(), "--workdir")) -> None:
    """Stop the server started from --workdir."""
    from ..annotate import stop_server

    err.print("doccano stopped" if stop_server(workdir) else f"no doccano server recorded in {workdir}")


@annotate_app.command("push")
def annotate_push(
    inputs: List[str] = typer.Argument(
        ...,
        help="Gold/stand-off JSONL (pushed as they are) or, with --model, "
        ".txt files, folders and JSONL of {id, text} to pre-annotate.",
    ),
    project: str = typer.Option(..., "--project", help="doccano project name (created if missing)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP + " Pre-annotate with it."),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    url: Optional[str] = typer.Option(None, "--url", help=URL_HELP),
    user: Optional[str] = typer.Option(None, "--user", help=USER_HELP),
    password: Optional[str] = typer.Option(None, "--password", help=PASSWORD_HELP),
) -> None:
    """Upload documents with pre-annotations, so annotators correct rather than start from nothing."""
    from ..annotate import DoccanoError, push
    from ..corpus import CorpusError

    try:
        docs = _pre_annotated(inputs, model) if model else _gold(inputs, texts)
        report = push(docs, project_name=project, settings=_settings(url, user, password))
    except (DoccanoError, CorpusError) as e:
        fail(str(e), 1)
    err.print(report.summary())
    for doc_id, why in report.skipped.items():
        err.print(f"  skipped {doc_id}: {why}")


@annotate_app.command("pull")
def annotate_pull(
    project: str = typer.Option(..., "--project", help="doccano project name."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the merged gold here instead of into the corpus."),
    standoff: bool = typer.Option(
        True, "--standoff/--with-text", help="With --out: stand-off (default) or with texts."
    ),
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    url: Optional[str] = typer.Option(None, "--url", help=URL_HELP),
    user: Optional[str] = typer.Option(None, "--user", help=USER_HELP),
    password: Optional[str] = typer.Option(None, "--password", help=PASSWORD_HELP),
) -> None:
    """Download the annotators' work, validate it and merge it into the corpus without
    losing local annotations: conflicts are reported (exit code 3), never overwritten."""
    from ..annotate import DoccanoError, merge, pull
    from ..corpus import CorpusError, TextStore, write_jsonl
    from ..corpus.project import CorpusLayout, load_corpus, save_document

    layout = CorpusLayout(root)
    store = TextStore(texts)
    try:
        existing = load_corpus(layout, store)
        pulled = pull(project_name=project, settings=_settings(url, user, password), existing=existing)
        result = merge(existing, pulled)
        if out is not None:
            write_jsonl(result.docs, out, standoff=standoff)
        else:
            changed = set(result.taken) | set(result.added)
            for doc in result.docs:
                if doc.id in changed:
                    save_document(layout, doc, overwrite=True)
    except (DoccanoError, CorpusError) as e:
        fail(str(e), 1)
    err.print(f"{result.summary()} → {out or layout.root}")
    for doc_id, why in result.kept_local.items():
        err.print(f"  kept local {doc_id}: {why}")
    for conflict in result.conflicts:
        err.print(f"  CONFLICT {conflict}")
    if result.conflicts:
        raise typer.Exit(3)


def _gold(inputs: List[str], texts: Optional[Path]):
    from ..corpus import TextStore, read_any

    store = TextStore(texts)
    return [doc for path in inputs for doc in read_any(Path(path), store)]


def _pre_annotated(inputs: List[str], model: str):
    from ..corpus import doc_to_gold
    from ..batch.readers import InputError, iter_inputs

    nlp = load_pipeline(model)
    docs = []
    for item in iter_inputs(inputs):
        if isinstance(item, InputError):
            err.print(f"[yellow]skipped[/] {item.where}: {item.reason}")
            continue
        gold = doc_to_gold(nlp(item.text), item.id)
        gold.meta.update(item.extra)
        docs.append(gold)
    return docs
