"""The `playbook` command: serve, rules check/test/explain/schema, simulate, migrate, model
train/evaluate, user invite, report."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from playbook.core.errors import RulesInvalid
from playbook.core.settings import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.app import create_app
    from service.runtime import Runtime

    settings = get_settings()
    # Sign-in links printed at start name the address actually served.
    settings = settings.model_copy(
        update={"host": args.host or settings.host, "port": args.port or settings.port}
    )
    try:
        runtime = Runtime.build(settings)
    except RulesInvalid as exc:
        print("playbook: refusing to start: the rules file is invalid", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    host, port = args.host or settings.host, args.port or settings.port
    if not settings.api_key_list and host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "playbook: warning: no PLAYBOOK_API_KEYS; /v1 answers loopback clients only",
            file=sys.stderr,
        )
    app = create_app(runtime)
    print(
        f"playbook: rules {runtime.rules.playbook.version} "
        f"({len(runtime.rules.playbook.rule_ids)} rules, {runtime.rules.playbook.matcher.name} "
        f"matcher), database {settings.database_url.split('://')[0]}, serving on "
        f"http://{host}:{port} (docs at /docs)",
        file=sys.stderr,
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower())
    finally:
        runtime.close()
    return 0


def _rules_file(value: str | None) -> str:
    return value or str(get_settings().rules_file)


def _check(args: argparse.Namespace) -> int:
    from playbook.editor.check import check_file

    path = _rules_file(args.file)
    problems = check_file(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{path}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{path}: ok")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from playbook.core.clock import SystemClock
    from playbook.editor.explain import explain
    from playbook.intake.events import EventIn
    from playbook.rules.playbook import Playbook

    playbook = _load(args.rules)
    if playbook is None:
        return 1
    assert isinstance(playbook, Playbook)
    raw = json.loads(Path(args.event).read_text(encoding="utf-8"))
    now = SystemClock().now()
    event = EventIn.model_validate(raw)
    if not args.live:
        result = explain(playbook, event, now=now)
    else:
        from sqlalchemy.exc import DBAPIError
        from sqlmodel import Session

        from playbook.core.db import make_engine
        from playbook.intake.topics import topic_rates

        engine = make_engine(get_settings().database_url)
        try:
            with Session(engine) as session:
                result = explain(
                    playbook,
                    event,
                    now=now,
                    topic_rates=lambda topics: topic_rates(session, topics, now, plus=1),
                )
        except DBAPIError as exc:
            print(
                f"playbook: cannot read topic counts from the database: {exc.orig}", file=sys.stderr
            )
            return 1
        finally:
            engine.dispose()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _test(args: argparse.Namespace) -> int:
    from playbook.core.clock import SystemClock
    from playbook.editor.examples import run_examples, uncovered_rules

    playbook = _load(args.file)
    if playbook is None:
        return 1
    if args.corpus:
        return _corpus(playbook, Path(args.corpus), verbose=args.verbose)
    results = run_examples(playbook, SystemClock().now())
    for result in results:
        mark = "pass" if result.passed else "FAIL"
        print(f"{mark}  {result.name}")
        for failure in result.failures:
            print(f"        {failure}")
    passed = sum(r.passed for r in results)
    print(f"{passed} passed, {len(results) - passed} failed")
    uncovered = uncovered_rules(playbook, results)
    print(
        "coverage: every rule is exercised by an example"
        if not uncovered
        else f"coverage: no example exercises {', '.join(uncovered)}"
    )
    return 0 if passed == len(results) else 1


def _corpus(playbook: Any, folder: Path, *, verbose: bool) -> int:
    from playbook.core.clock import SystemClock
    from playbook.editor.corpus import evaluate, load_corpus, render

    report = evaluate(playbook, load_corpus(folder), SystemClock().now())
    print(render(report))
    if verbose:
        print("\n".join(["", "misses:", *report.misses]))
    return 0 if not report.abuse_with_public_answer else 1


def _schema(args: argparse.Namespace) -> int:
    from playbook.rules.source.model import RulesFile

    print(json.dumps(RulesFile.model_json_schema(by_alias=True), ensure_ascii=False, indent=2))
    return 0


def _simulate(args: argparse.Namespace) -> int:
    """Push a JSONL stream through the engine on a throwaway database; print the outcome."""
    import tempfile

    from playbook.core.clock import SystemClock
    from playbook.core.db import make_engine, migrate, session_scope
    from playbook.core.models import Incident
    from playbook.intake.events import EventIn
    from playbook.pipeline import ingest
    from playbook.workflow.steps import steps_of

    playbook = _load(args.rules)
    if playbook is None:
        return 1
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/simulate.db")
        migrate(engine)
        clock = SystemClock()
        lines = Path(args.events).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                event = EventIn.model_validate(json.loads(line))
            except ValueError as exc:
                print(f"{args.events}:{number}: skipped: {exc}", file=sys.stderr)
                continue
            with session_scope(engine) as session:
                ingest(
                    session,
                    event,
                    playbook=playbook,
                    now=clock.now(),
                    default_channel=get_settings().slack_channel,
                )
        with session_scope(engine) as session:
            from sqlmodel import select

            for incident in session.exec(select(Incident)):
                steps = steps_of(session, incident.id or 0)
                print(
                    f"#{incident.id} {incident.severity:8} {incident.category:9} "
                    f"{incident.event_count:4} events  {incident.title}"
                )
                print("    " + " -> ".join(f"{s.kind}[{s.status}]" for s in steps))
        engine.dispose()
    return 0


def _load(path: str | None) -> Any:
    from playbook.rules.playbook import Playbook

    try:
        return Playbook.from_file(_rules_file(path), backend=get_settings().rules_backend)
    except RulesInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None


def _migrate(args: argparse.Namespace) -> int:
    from playbook.core.db import make_engine, migrate

    migrate(make_engine(get_settings().database_url))
    print("database is up to date")
    return 0


def _invite(args: argparse.Namespace) -> int:
    from playbook.accounts.users import invite, parse_role
    from playbook.core.clock import SystemClock
    from playbook.core.db import make_engine, migrate, session_scope
    from playbook.core.errors import PlaybookError

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with session_scope(engine) as session:
            token = invite(
                session, args.email, role=parse_role(args.role), by="cli", now=SystemClock().now()
            )
    except PlaybookError as exc:
        print(f"playbook: {exc.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"{settings.base_url}/signin/{token}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from playbook.core.clock import SystemClock
    from playbook.core.db import make_engine, session_scope
    from playbook.core.models import Incident
    from playbook.incidents.report import build_report
    from service.pages.report import report_html, report_markdown

    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            incident = session.get(Incident, args.id)
            if incident is None:
                print(f"playbook: no incident {args.id}", file=sys.stderr)
                return 1
            report = build_report(session, incident, SystemClock().now())
    finally:
        engine.dispose()
    print(report_markdown(report) if args.format == "md" else report_html(report), end="")
    return 0


def _model_train(args: argparse.Namespace) -> int:
    from playbook.editor import model
    from playbook.rules.triage import DEFAULT_MODEL

    path = Path(args.output) if args.output else DEFAULT_MODEL
    stamp, items = model.train(path)
    size = path.stat().st_size
    print(f"{path}: trained on {items} posts, {size / 1e6:.2f} MB, sha256 {stamp}")
    return 0


def _model_evaluate(args: argparse.Namespace) -> int:
    from playbook.editor import model
    from playbook.rules import triage

    folder = Path(args.folder)
    items = model.items_of([folder], refuse_held_out=False)
    if not items:
        print(f"playbook: no labelled *.jsonl posts in {folder}", file=sys.stderr)
        return 1
    classifier = triage.load(Path(args.model)) if args.model else triage.configured()
    title = f"model {triage.version(classifier)} on {folder}"
    print(model.render(model.evaluate(classifier, items), title))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="playbook", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the HTTP service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)
    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(run=_migrate)
    rules = commands.add_parser("rules", help="work with the rules file")
    verbs = rules.add_subparsers(dest="verb", required=True)
    check = verbs.add_parser("check", help="validate; errors name file, line and column")
    check.add_argument("file", nargs="?")
    check.set_defaults(run=_check)
    test = verbs.add_parser("test", help="run the examples written in the rules file")
    test.add_argument("file", nargs="?")
    test.add_argument("--corpus", help="a folder of labelled *.jsonl events to measure against")
    test.add_argument("--verbose", action="store_true", help="list every miss")
    test.set_defaults(run=_test)
    schema = verbs.add_parser("schema", help="print the JSON Schema of rules.yaml")
    schema.set_defaults(run=_schema)
    explain = verbs.add_parser("explain", help="which rules match an event, and why")
    explain.add_argument("--rules")
    explain.add_argument(
        "--live",
        action="store_true",
        help="count topic velocity from the configured database (default: this event alone)",
    )
    explain.add_argument("event")
    explain.set_defaults(run=_explain)
    simulate = commands.add_parser("simulate", help="push JSONL events through the engine")
    simulate.add_argument("--rules")
    simulate.add_argument("events")
    simulate.set_defaults(run=_simulate)
    model = commands.add_parser("model", help="the triage model behind the model.* facts")
    model_verbs = model.add_subparsers(dest="verb", required=True)
    train = model_verbs.add_parser("train", help="rebuild the artefact from the training corpus")
    train.add_argument("--output", help="where to write it (default: the packaged artefact)")
    train.set_defaults(run=_model_train)
    evaluate = model_verbs.add_parser("evaluate", help="accuracy, precision, recall, confusion")
    evaluate.add_argument("folder", help="a folder of labelled *.jsonl posts")
    evaluate.add_argument("--model", help="an artefact (default: the configured one)")
    evaluate.set_defaults(run=_model_evaluate)
    user = commands.add_parser("user", help="board accounts")
    user_verbs = user.add_subparsers(dest="verb", required=True)
    invite = user_verbs.add_parser("invite", help="print a one-time sign-in link")
    invite.add_argument("email")
    invite.add_argument("--role", default="viewer", help="viewer, responder, editor or admin")
    invite.set_defaults(run=_invite)
    report = commands.add_parser("report", help="an incident's after-action report")
    report.add_argument("id", type=int)
    report.add_argument("--format", choices=("md", "html"), default="md")
    report.set_defaults(run=_report)
    return top


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=get_settings().log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`playbook rules test --corpus ... | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
