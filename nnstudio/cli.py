"""The ``nnstudio`` command: the GUI by default, and its headless twin in sub-commands.

Teachers' grading scripts and the tests rely on these commands, so their output is stable:
``--json`` prints exactly one JSON object on stdout, progress goes to stderr, and every user
error is one line on stderr with exit code 2 (never a traceback); anything unexpected is one
line naming the command and "internal error", exit code 1, with the traceback only under
``--debug``. Names from files and arguments are printed with control characters escaped
(:func:`~nnstudio.core.safe_text.printable`), so a layer name cannot drive the terminal.
Heavy modules (torch, pandas) are imported inside the commands so that opening the GUI stays
fast.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from nnstudio import __version__, cli_experiments, i18n
from nnstudio.i18n import N_, _, ngettext, tr

EXIT_USAGE = 2
#: Whether ``--threads`` or NNSTUDIO_THREADS chose the thread count (kept per process then).
_THREADS_GIVEN = False
#: Something NN Studio did not expect: a bug, said in one line (the traceback with --debug).
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
EXPERIMENT_COMMANDS = ("evaluate", "profile", "search")
COMMANDS = (
    "train",
    "summary",
    "validate",
    "predict",
    "step",
    "export",
    "schedule",
    "report",
    *EXPERIMENT_COMMANDS,
)

#: argparse's own messages that users of ``nnstudio`` meet, exactly as argparse writes them
#: (Python 3.10 to 3.13): argparse looks them up through :func:`_argparse_in_our_language`.
ARGPARSE_MESSAGES = (
    # Translators: argparse's heading of the usage line; keep the space at the end.
    N_("usage: "),
    # Translators: argparse's help heading.
    N_("positional arguments"),
    # Translators: argparse's help heading (Python 3.10 and later).
    N_("options"),
    # Translators: argparse's help heading (Python 3.9 and 3.10).
    N_("optional arguments"),
    N_("show this help message and exit"),
    # Translators: argparse's messages; keep %s, %(…)s and %(…)r exactly as they are.
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
)
#: How ``validate`` names the severity of a problem.
SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


@contextlib.contextmanager
def _argparse_in_our_language() -> Iterator[None]:
    """argparse's own texts (usage, "the following arguments are required", "invalid int
    value") in the language of NN Studio's messages.

    argparse translates them with ``gettext`` bound at its import (``from gettext import
    gettext as _``), which reads the system's ``argparse`` catalogue, not ours; its module
    functions look ``_`` and ``ngettext`` up when they run, so they are pointed at ours while
    a parser is built and used, and put back afterwards.
    """
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (the usage is a ``--help`` away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        text = _("{prog}: error: {message} (see {prog} --help)").format(
            prog=self.prog, message=message
        )
        self.exit(EXIT_USAGE, text + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nnstudio",
        description=_(
            "NN Studio: build, train and understand neural networks. With no command, opens the "
            "app (on FILE if given, else on the bundled default project)."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"nnstudio {__version__}",
        help=_("show program's version number and exit"),
    )
    parser.add_argument(
        "--lang",
        metavar="CODE",
        help=_(
            "language of messages: en or zh_CN (default: the system's); also accepted after the "
            "command"
        ),
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help=_(
            "show the Python traceback of an internal error (for a bug report); also accepted "
            "after the command"
        ),
    )
    parser.add_argument(
        "--threads",
        metavar="N",
        help=_(
            "torch threads for training (default: the cores idle now, so a busy machine never "
            "slows to a crawl; also NNSTUDIO_THREADS); also accepted after the command"
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def data_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data", metavar="CSV", help=_("use this CSV instead of the project's data")
        )
        p.add_argument(
            "--target",
            metavar="COL",
            action="append",
            help=_("target column of --data (repeat for several); default: last column"),
        )
        outside_data_option(p)

    def outside_data_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--allow-outside-data",
            action="store_true",
            help=_(
                "let the project read its data file even though it lies outside the project's "
                "folder (a received project may not, by default)"
            ),
        )

    train = sub.add_parser(
        "train",
        help=_("train a project headless"),
        description=_("Train a project without the GUI; progress on stderr."),
    )
    train.add_argument("file", metavar="FILE", help=_("project file (.nnsproj or .json)"))
    data_options(train)
    train.add_argument("--epochs", type=int, metavar="N")
    train.add_argument("--batch-size", type=int, metavar="N", help=_("0 means the full batch"))
    train.add_argument("--lr", type=float, metavar="X", help=_("learning rate"))
    train.add_argument("--optimizer", metavar="NAME", help=_("sgd, adam, adamw, rmsprop, ..."))
    train.add_argument("--seed", type=int, metavar="N")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"))
    train.add_argument(
        "--stop-at",
        metavar="TARGET",
        # Translators: argparse help: keep "%%" doubled (it prints one %).
        help=_(
            "end the run once the validation accuracy or loss reaches TARGET: accuracy=0.95 "
            "(or 95%%) or loss=0.1; 'none' removes the project's target"
        ),
    )
    train.add_argument(
        "--amp",
        action="store_true",
        default=None,
        help=_("mixed precision on a CUDA GPU (float16 autocast with gradient scaling)"),
    )
    train.add_argument(
        "--distributed",
        action="store_true",
        help=_(
            "train in every process torchrun starts, with DistributedDataParallel (gloo on "
            "CPUs, nccl on GPUs); process 0 alone prints and saves"
        ),
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help=_("continue from the project's saved weights and optimiser state"),
    )
    train.add_argument("--save", metavar="OUT", help=_("write the trained project here"))
    train.add_argument("--json", action="store_true", help=_("print one JSON object on stdout"))
    train.add_argument("--quiet", action="store_true", help=_("no progress bar"))
    cli_experiments.add_train_options(train)

    summary = sub.add_parser("summary", help=_("print the parameter table"))
    summary.add_argument("file", metavar="FILE")
    data_options(summary)
    summary.add_argument("--json", action="store_true")

    validate = sub.add_parser("validate", help=_("list problems and teaching warnings"))
    validate.add_argument("file", metavar="FILE")
    data_options(validate)
    validate.add_argument("--json", action="store_true")

    predict = sub.add_parser(
        "predict",
        help=_("predict with a trained project"),
        description=_(
            "Apply a trained project to a CSV: the input rows with predicted class names and "
            "probabilities (or values)."
        ),
    )
    predict.add_argument("file", metavar="FILE")
    predict.add_argument("--data", metavar="CSV", required=True)
    predict.add_argument(
        "-o", "--output", metavar="OUT.csv", help=_("write here (default: standard output)")
    )

    step = sub.add_parser(
        "step",
        help=_("one forward/backward pass with every intermediate value"),
        description=_(
            "Backpropagation inspection: z and a of every layer, the loss, every gradient with "
            "its chain-rule factors, the parameters after one optimiser step, and a "
            "finite-difference check."
        ),
    )
    step.add_argument("file", metavar="FILE")
    outside_data_option(step)
    step.add_argument(
        "--sample",
        type=int,
        metavar="I",
        help=_("row of the training split (default: the first batch)"),
    )
    step.add_argument("--json", action="store_true")
    step.add_argument(
        "--full",
        action="store_true",
        help=_("write every value of every vector and matrix instead of cutting them with …"),
    )

    export = sub.add_parser("export", help=_("export as a Python script, ONNX or TorchScript"))
    export.add_argument("file", metavar="FILE")
    outside_data_option(export)
    export.add_argument("--to", choices=("python", "onnx", "torchscript"), required=True)
    export.add_argument("-o", "--output", metavar="OUT", required=True)

    schedule = sub.add_parser(
        "schedule",
        help=_("print the planned learning rate of every epoch"),
        description=_(
            "The learning rate the project's schedule will use in each epoch, planned before "
            "training (epochs counted from 0, as in the lessons' plots)."
        ),
    )
    schedule.add_argument("file", metavar="FILE")
    outside_data_option(schedule)
    schedule.add_argument(
        "--epochs", type=int, metavar="N", help=_("plan this many epochs (default: the project's)")
    )
    schedule.add_argument(
        "--json", action="store_true", help=_('print a JSON list of {"epoch", "lr"}')
    )

    report = sub.add_parser(
        "report",
        help=_("write a lesson report (HTML, optionally PDF)"),
        description=_(
            "One self-contained HTML page to hand in: the parameter table, the training "
            "settings, the curves, the final metrics, the confusion matrix and your notes. "
            "The PDF is printed by Qt offscreen (no display needed)."
        ),
    )
    report.add_argument("file", metavar="FILE")
    data_options(report)
    report.add_argument("-o", "--output", metavar="OUT.html", required=True)
    report.add_argument("--pdf", metavar="OUT.pdf", help=_("also write the report as a PDF"))
    report.add_argument("--notes", metavar="TEXT", default="", help=_("your notes, as text"))
    report.add_argument(
        "--notes-file", metavar="FILE", help=_("your notes, read from a UTF-8 text file")
    )
    export.add_argument(
        "--distributed",
        action="store_true",
        help=_(
            "give the Python script a --distributed option: under torchrun its processes "
            "train together with DistributedDataParallel"
        ),
    )
    cli_experiments.add_commands(sub, data_options)
    return parser


def take_option(args: list[str], option: str) -> tuple[str | None, list[str]]:
    """``option VALUE`` (or ``option=VALUE``) taken out of ``args``, wherever it stands: before
    the sub-command or after it. Returns the value (None when absent) and the rest."""
    rest: list[str] = []
    value: str | None = None
    items = iter(args)
    for item in items:
        if item == option:
            value = next(items, "")
        elif item.startswith(option + "="):
            value = item.partition("=")[2]
        else:
            rest.append(item)
    return value, rest


def take_flag(args: list[str], flag: str) -> tuple[bool, list[str]]:
    """Whether ``flag`` (an option without a value) is in ``args``, wherever it stands, and
    the rest (see :func:`take_option`)."""
    rest = [item for item in args if item != flag]
    return len(rest) != len(args), rest


def say(text: object, *, file: Any = None) -> None:
    """Print one line with control characters escaped: every line that quotes a file name,
    an argument or a name from a project goes through here."""
    from nnstudio.core.safe_text import printable

    print(printable(text), file=sys.stdout if file is None else file)


def take_language(args: list[str]) -> tuple[str | None, list[str]]:
    """``--lang CODE`` taken out of ``args`` wherever it stands (see :func:`take_option`)."""
    return take_option(args, "--lang")


def _choose_threads(option: str | None) -> int | None:
    """Set torch's thread count for this command (see ``core/training/threads.py``).

    Returns None when done, or the exit status after a one-line error. Torch is imported
    only when the command will use it anyway (every command but the GUI and --help).
    """
    from nnstudio.core.errors import UserFacingError
    from nnstudio.core.training.threads import apply_threads, choose_threads, requested_threads

    try:
        requested = requested_threads(option)
    except UserFacingError as exc:
        say(_("nnstudio: error: {message}").format(message=exc), file=sys.stderr)
        return EXIT_USAGE
    apply_threads(choose_threads(requested))
    return None


def main(argv: Sequence[str] | None = None) -> int:
    code, args_list = take_language(list(sys.argv[1:] if argv is None else argv))
    threads, args_list = take_option(args_list, "--threads")
    debug, args_list = take_flag(args_list, "--debug")
    if any("\x00" in item for item in args_list):
        # No shell can pass one (argv is C strings); a caller that does gets one line.
        say(_("nnstudio: error: an argument holds a NUL character"), file=sys.stderr)
        return EXIT_USAGE
    if code is not None and i18n.normalize(code) is None:
        i18n.set_language(None)  # said in the system's language, the best guess there is
        choices = ", ".join(i18n.LANGUAGES)
        message = _("nnstudio: error: unknown language {code!r} (choose {choices})")
        say(message.format(code=code, choices=choices), file=sys.stderr)
        return EXIT_USAGE
    i18n.set_language(code)
    if not args_list or (args_list[0] not in COMMANDS and not args_list[0].startswith("-")):
        return _open_gui(args_list, code)
    try:
        with _argparse_in_our_language():
            args = build_parser().parse_args(args_list)
    except SystemExit as exc:  # --help, --version or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        return _open_gui([], code)
    global _THREADS_GIVEN
    _THREADS_GIVEN = threads is not None or bool(os.environ.get("NNSTUDIO_THREADS"))
    with _terminate_as_exception():
        status = _run_command(args, threads, debug=debug)
    _end_distributed_process(status)
    return status


def _end_distributed_process(status: int) -> None:
    """A process of a torchrun job leaves without finalization (see ``end_process``)."""
    distributed = sys.modules.get("nnstudio.core.training.distributed")
    if distributed is not None and distributed.session_ran():
        distributed.end_process(status)


def _run_command(args: argparse.Namespace, threads: str | None, *, debug: bool) -> int:
    """Run the sub-command: every failure is one line on stderr, and the exit status says
    what happened (2: a user error; 1: an internal error; 130/143: interrupted)."""
    from nnstudio.core import atomic
    from nnstudio.core.errors import UserFacingError

    handler = {
        "train": cmd_train,
        "summary": cmd_summary,
        "validate": cmd_validate,
        "predict": cmd_predict,
        "step": cmd_step,
        "export": cmd_export,
        "schedule": cmd_schedule,
        "report": cmd_report,
        "evaluate": lambda a: cli_experiments.cmd_evaluate(a, _load, _print_json),
        "profile": lambda a: cli_experiments.cmd_profile(a, _print_json),
        "search": lambda a: cli_experiments.cmd_search(a, _load, _print_json),
    }
    command = args.command
    with atomic.recording() as written:
        try:
            failed = _choose_threads(threads)
            if failed is not None:
                return failed
            return handler[command](args)
        except UserFacingError as exc:
            message = _("nnstudio {command}: error: {message}")
            say(message.format(command=command, message=error_text(exc)), file=sys.stderr)
            return EXIT_USAGE
        except OSError as exc:  # the system refused: a file, a folder, the disk
            message = _("nnstudio {command}: error: {message}")
            say(message.format(command=command, message=_os_error_text(exc)), file=sys.stderr)
            return EXIT_USAGE
        except (KeyboardInterrupt, _Terminated) as exc:
            interrupted = isinstance(exc, KeyboardInterrupt)
            if written:  # complete files: say so, not "interrupted" as if nothing was saved
                message = _("nnstudio {command}: stopped after saving {paths} (complete)")
                paths = ", ".join(str(path) for path in written)
                say(message.format(command=command, paths=paths), file=sys.stderr)
            elif interrupted:
                say(_("nnstudio {command}: interrupted").format(command=command), file=sys.stderr)
            else:
                say(_("nnstudio {command}: terminated").format(command=command), file=sys.stderr)
            return EXIT_INTERRUPTED if interrupted else EXIT_TERMINATED
        except Exception as exc:
            if debug:
                traceback.print_exc(file=sys.stderr)
            problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            message = _(
                "nnstudio {command}: internal error: {problem} (a bug in NN Studio; run again "
                "with --debug to see where, and report it)"
            )
            say(message.format(command=command, problem=problem), file=sys.stderr)
            return EXIT_INTERNAL


class _Terminated(BaseException):
    """SIGTERM, raised like Ctrl+C so that clean-up (the atomic writer's) runs."""


def _terminated(signum: int, frame: object) -> None:
    raise _Terminated


@contextlib.contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """While a command runs, SIGTERM unwinds the stack like Ctrl+C instead of ending the
    process on the spot; the previous handler comes back afterwards."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except (ValueError, OSError):  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _os_error_text(exc: OSError) -> str:
    """An ``OSError`` in one line: the file it concerns and the system's reason."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason


def error_text(exc: Any) -> str:
    """An :class:`~nnstudio.core.errors.NNStudioError` as ``str(exc)`` words it (``where:
    message``), its message translated (core messages that also go into JSON are
    :class:`~nnstudio.i18n.Text`, English until shown)."""
    message = tr(exc.message)
    return f"{exc.where}: {message}" if exc.where else message


def _open_gui(args: list[str], language: str | None = None) -> int:
    if len(args) > 1:
        print(_("nnstudio: error: give at most one project file to open"), file=sys.stderr)
        return EXIT_USAGE
    try:
        from nnstudio.gui.app import run_app
    except ImportError:
        print(
            _("nnstudio: the desktop app is not built yet; use a sub-command (nnstudio --help)"),
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_app(args[0] if args else None, language=language)


# --- helpers -------------------------------------------------------------------------------


def _load(args: argparse.Namespace, *, with_data: bool = True):
    """The project named on the command line, with --data/--target applied."""
    from nnstudio.core.data import DataSource
    from nnstudio.core.project import load_project

    _trust_outside_data(args)
    project = load_project(args.file)
    if with_data and getattr(args, "data", None):
        path = str(Path(args.data).resolve())
        project.data = project.data.replace(
            source=DataSource(kind="csv", path=path),
            targets=tuple(args.target or ()),
            ignored=(),
            kinds={},
            class_order=(),
        )
        project.preprocessor = None
        project.clear_training()
    elif getattr(args, "target", None):
        project.data = project.data.replace(targets=tuple(args.target))
    return project


def _trust_outside_data(args: argparse.Namespace) -> None:
    """What the user allowed on the command line: the file named by ``--data``, or any file
    with ``--allow-outside-data`` (see ``core/data/trust.py``)."""
    from nnstudio.core.data import trust

    trust.forget()  # each command is a session of its own
    if getattr(args, "allow_outside_data", False):
        trust.allow_all()
    if getattr(args, "data", None):
        trust.allow(args.data)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=None, allow_nan=False))


class _Progress:
    """A one-line progress bar on stderr (a line per tenth of the run when not a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.started = time.perf_counter()
        self.total = 1
        self.first = 0

    def __call__(self, event: Any) -> None:
        from nnstudio.core.training import EpochReport, RunEnded, RunStarted

        if not self.enabled:
            return
        if isinstance(event, RunStarted):
            self.total, self.first = event.epochs, event.start_epoch
        elif isinstance(event, EpochReport):
            done = event.epoch - self.first
            span = max(1, self.total - self.first)
            width = 24
            filled = int(width * done / span)
            bar = "#" * filled + "." * (width - filled)
            elapsed = time.perf_counter() - self.started
            eta = elapsed / done * (span - done) if done else 0.0
            # Metric names are the keys ``--json`` and the history use: they stay as they are.
            metrics = "  ".join(
                f"{k} {v:.4g}" for k, v in event.metrics.items() if k.startswith("val_")
            )
            val = f"  val_loss {event.val_loss:.4g}" if event.val_loss is not None else ""
            # Translators: a progress line of "nnstudio train": {val} is empty or
            # "  val_loss 0.31", {metrics} is "val_accuracy 0.9  …"; {elapsed}s<{eta}s are the
            # seconds taken and the seconds still expected.
            line = _(
                "epoch {epoch}/{total} [{bar}] loss {loss:.4g}{val}  {metrics}  "
                "{elapsed:.0f}s<{eta:.0f}s"
            ).format(
                epoch=event.epoch,
                total=self.total,
                bar=bar,
                loss=event.train_loss,
                val=val,
                metrics=metrics,
                elapsed=elapsed,
                eta=eta,
            )
            if self.tty:
                sys.stderr.write("\r" + line[:160].ljust(160))
                sys.stderr.flush()
            elif done == span or done % max(1, span // 10) == 0:
                print(line, file=sys.stderr)
        elif isinstance(event, RunEnded) and self.tty:
            sys.stderr.write("\n")


# --- commands ------------------------------------------------------------------------------


def cmd_train(args: argparse.Namespace, shard: Any = None) -> int:
    if args.distributed and shard is None:
        return _train_distributed(args)
    from nnstudio.core.errors import TrainingError
    from nnstudio.core.project import save_project
    from nnstudio.core.training import train
    from nnstudio.core.training.plan import plan_run, store_result

    if args.save:  # before training, not after minutes of it
        from nnstudio.core.atomic import check_writable

        check_writable(args.save)
    project = _load(args)
    settings = project.training
    changes: dict[str, Any] = {}
    for option, field in (
        ("epochs", "epochs"),
        ("batch_size", "batch_size"),
        ("seed", "seed"),
        ("device", "device"),
        ("amp", "amp"),
    ):
        value = getattr(args, option)
        if value is not None:
            changes[field] = value
    if args.optimizer is not None:  # "" too: an empty name is not "keep the project's"
        from nnstudio.core.catalogue.optimizers import OPTIMIZERS

        component = OPTIMIZERS.normalize(args.optimizer)
        if args.lr is None:
            component["lr"] = settings.lr
        settings = settings.replace(optimizer=component)
    if args.lr is not None:
        if args.lr <= 0:
            raise TrainingError(_("--lr must be positive, not {lr:g}").format(lr=args.lr))
        settings = settings.with_lr(args.lr)
    if args.stop_at is not None:
        from nnstudio.core.training.training_settings import parse_target

        none = args.stop_at.strip().lower() == "none"
        changes["stop_at"] = None if none else parse_target(args.stop_at)
    project.training = settings.replace(**changes) if changes else settings
    plan = plan_run(project, resume=args.resume)
    if not args.json and not args.quiet:
        for warning in plan.warnings:
            say(_("warning: {message}").format(message=tr(warning.message)), file=sys.stderr)
    progress = _Progress(not args.quiet and not args.json)
    on_event, policy = cli_experiments.train_listener(args, project, plan, progress)
    result = train(plan.job, on_event, policy=policy, shard=shard)
    store_result(project, plan, result)
    out = result.summary()
    out["task"] = plan.prepared.task
    out["epochs_trained"] = project.epochs_trained
    if args.save:
        out["saved"] = str(save_project(project, args.save))
    if args.json:
        _print_json(out)
    else:
        if result.diverging is not None:  # a result, not progress: said even with --quiet
            message = tr(result.diverging.text())
            say(_("warning: {message}").format(message=message), file=sys.stderr)
        say(tr(result.message))
        keys = [
            k
            for k in ("train_loss", "val_loss", "val_accuracy", "val_rmse", "val_r2")
            if out.get(k) is not None
        ]
        # The metrics are named by their --json keys, which stay as they are.
        metrics = "  ".join(f"{k} {out[k]:.4f}" for k in keys)
        print(
            _("{metrics}  ({seconds:.1f}s, {rate:.0f} samples/s)").format(
                metrics=metrics, seconds=out["seconds"], rate=out["samples_per_second"]
            )
        )
        if args.save:
            say(_("saved {path}").format(path=out["saved"]))
    return 1 if result.reason == "diverged" else 0


def _train_distributed(args: argparse.Namespace) -> int:
    """``train --distributed`` in one of the processes torchrun started.

    Every process trains; process 0 alone prints (the JSON result, progress, warnings) and
    writes the project. An error is still said by the process that meets it.
    """
    from nnstudio.core.training.distributed import from_environment, session

    shard = from_environment()
    quiet = contextlib.nullcontext()
    if not shard.is_main:
        args.save, args.json, args.quiet = None, False, True
        quiet = contextlib.redirect_stdout(io.StringIO())
    with session(shard, share_threads=not _THREADS_GIVEN), quiet:
        return cmd_train(args, shard)


def _workspace(project, args):
    """The project as a workspace: its data read only when sizes need it.

    With saved preprocessing and no --data, sizes come from it and the CSV is not read. A
    data problem is the command's error (the GUI shows it in a panel instead).
    """
    from nnstudio.core.workspace import Workspace

    needs_data = project.data.source.kind != "none" and (
        getattr(args, "data", None) or project.preprocessor is None
    )
    workspace = Workspace(project, load_data=bool(needs_data))
    workspace.require_data()
    return workspace


def cmd_summary(args: argparse.Namespace) -> int:
    from nnstudio.core.network.builder import summarize

    workspace = _workspace(_load(args), args)
    summary = summarize(workspace.graph, workspace.shape_context)
    if args.json:
        _print_json(summary.to_dict())
    else:
        print(summary.table())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    workspace = _workspace(_load(args), args)
    project, result = workspace.project, workspace.analysis
    problems = [
        {
            "severity": p.severity,
            "code": p.code,
            "message": p.message,
            "layer": project.graph.nodes[p.node_id].name if p.node_id else None,
        }
        for p in result.problems
    ]
    problems += [
        {"severity": "error", "code": "loss_mismatch", "message": m, "layer": None}
        for m in workspace.compatibility
    ]
    errors = [p for p in problems if p["severity"] == "error"]
    if args.json:
        _print_json({"ok": not errors, "problems": problems})
    else:
        for p in problems:
            severity = _(SEVERITIES.get(p["severity"], p["severity"]))
            if p["layer"]:
                line = _("{severity} [{layer}]: {message}")
            else:
                line = _("{severity}: {message}")
            say(line.format(severity=severity, layer=p["layer"], message=tr(p["message"])))
        if not problems:
            print(_("no problems"))
    return EXIT_USAGE if errors else 0


def cmd_predict(args: argparse.Namespace) -> int:
    from nnstudio.core.training.predict import predict_csv, predictions_csv, write_predictions

    project = _load(args, with_data=False)
    frame = predict_csv(project, args.data)
    for warning in frame.attrs.get("warnings", []):
        say(_("warning: {message}").format(message=tr(warning)), file=sys.stderr)
    if args.output:
        write_predictions(frame, args.output)
        wrote = ngettext(
            "wrote {n} prediction to {path}", "wrote {n} predictions to {path}", len(frame)
        )
        say(wrote.format(n=len(frame), path=args.output), file=sys.stderr)
    else:
        sys.stdout.write(predictions_csv(frame))
    return 0


def cmd_step(args: argparse.Namespace) -> int:
    from nnstudio.core.lessons.backprop import inspect_step
    from nnstudio.core.lessons.backprop_text import step_text

    project = _load(args, with_data=False)
    report = inspect_step(project, sample=args.sample)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(step_text(report, full=args.full))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from nnstudio.core.export import export_project

    project = _load(args, with_data=False)
    path = export_project(project, args.to, args.output, distributed=args.distributed)
    say(_("wrote {path}").format(path=path), file=sys.stderr)
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from nnstudio.core.catalogue.schedules import SCHEDULES
    from nnstudio.core.training.schedule_plan import plan_settings

    project = _load(args, with_data=False)
    settings = project.training
    n_train = None
    # Only schedules that move every batch need the epoch's length, hence the data.
    if SCHEDULES.get(SCHEDULES.normalize(settings.schedule)["name"]).per_batch:
        from nnstudio.core.workspace import Workspace

        workspace = Workspace(project, load_data=project.data.source.kind != "none")
        workspace.require_data()
        if workspace.prepared is not None:
            n_train = workspace.prepared.n_train
    plan = plan_settings(settings, n_train=n_train, epochs=args.epochs)
    if args.json:
        _print_json(plan.to_json())
    else:
        line = _("epoch {epoch}  lr {lr:.6g}")
        for epoch, lr in enumerate(plan.lrs):
            print(line.format(epoch=epoch, lr=lr))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from nnstudio.core.errors import ProjectError
    from nnstudio.core.export.report import build_report, write_report
    from nnstudio.gui.language import CJK_FONTS

    notes = args.notes
    if args.notes_file:
        try:
            notes = Path(args.notes_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProjectError(
                _("cannot read the notes file {path}: {problem}").format(
                    path=args.notes_file, problem=exc.strerror or exc
                )
            ) from None
    workspace = _workspace(_load(args), args)
    report = build_report(workspace, notes=notes, fonts=CJK_FONTS)
    written = [_written(lambda: write_report(report, args.output), args.output)]
    if args.pdf:
        from nnstudio.gui.report_pdf import write_pdf

        written.append(_written(lambda: write_pdf(report, args.pdf), args.pdf))
    for path in written:
        print(_("wrote {path}").format(path=path), file=sys.stderr)
    return 0


def _written(write: Any, path: str) -> Path:
    """Run ``write``; a file that cannot be written is the command's one-line error."""
    from nnstudio.core.errors import ProjectError

    try:
        return write()
    except OSError as exc:
        raise ProjectError(
            _("cannot write {path}: {problem}").format(path=path, problem=exc.strerror or exc)
        ) from None
