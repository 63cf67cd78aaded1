"""The experiment commands of ``nnstudio``: ``evaluate``, ``profile`` and ``search``, and the
``train --tensorboard`` listener.

Kept apart from :mod:`nnstudio.cli` so the main command file stays about training; that module
registers these parsers and calls these handlers, passing what they need (the project
loader, the JSON printer), so this module never imports it back. The same contract holds:
``--json`` prints one English JSON object on stdout, progress goes to stderr, and the human
text is translated.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nnstudio.i18n import N_, _, ngettext, tr

#: Misclassified rows the text output lists (the JSON keeps more).
SHOWN_MISCLASSIFIED = 10
#: Features the text output ranks.
SHOWN_FEATURES = 10

Loader = Callable[..., Any]
Printer = Callable[[Any], None]


def add_commands(sub: Any, data_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """The ``evaluate``, ``profile`` and ``search`` sub-commands."""
    evaluate = sub.add_parser(
        "evaluate",
        help=_("per-class scores, ROC curves, mistakes and feature importance"),
        description=_(
            "Evaluate a trained project on its validation and test rows (or every row of "
            "--data): precision, recall and F1 per class, ROC and precision-recall areas, the "
            "misclassified rows, or MAE/RMSE/R² with the residuals; then permutation feature "
            "importance, and the partial dependence of --feature."
        ),
    )
    evaluate.add_argument("file", metavar="FILE")
    evaluate.add_argument(
        "--data", metavar="CSV", help=_("evaluate on every row of this CSV instead")
    )
    evaluate.add_argument(
        "--target",
        metavar="COL",
        action="append",
        help=_("the target column (the model's own by default; must match it)"),
    )
    evaluate.add_argument(
        "--feature", metavar="COL", help=_("also sweep this input column (partial dependence)")
    )
    evaluate.add_argument(
        "--no-importance", action="store_true", help=_("skip permutation feature importance")
    )
    evaluate.add_argument("--json", action="store_true", help=_("print one JSON object on stdout"))

    profile = sub.add_parser(
        "profile",
        help=_("profile a CSV before training"),
        description=_(
            "Each column's type, missing cells, minimum, maximum, mean and outliers (beyond "
            "1.5 interquartile ranges), constant and duplicate columns, duplicate rows, the "
            "target's class balance and the most correlated columns."
        ),
    )
    profile.add_argument("csv", metavar="CSV")
    profile.add_argument(
        "--target", metavar="COL", help=_("the target column (default: the last one)")
    )
    profile.add_argument("--json", action="store_true", help=_("print one JSON object on stdout"))

    search = sub.add_parser(
        "search",
        help=_("search hyperparameters with Optuna"),
        description=_(
            "Train the project many times with settings Optuna picks, stop hopeless trials "
            "early (median pruning), and report the best. Settings: lr, weight_decay, "
            "dropout, batch_size, units, epochs, optimizer; units.LAYER and dropout.LAYER "
            "change one layer."
        ),
    )
    search.add_argument("file", metavar="FILE")
    data_options(search)
    search.add_argument(
        "--param",
        metavar="NAME=SPEC",
        action="append",
        default=[],
        help=_("a setting to search: lr=1e-4:1e-1:log, optimizer=sgd,adam, units=16:256"),
    )
    search.add_argument("--trials", type=int, default=20, metavar="N")
    search.add_argument("--timeout", type=float, metavar="S", help=_("stop after S seconds"))
    search.add_argument(
        "--sampler", choices=("tpe", "random", "grid"), default="tpe", help=_("default: tpe")
    )
    search.add_argument(
        "--metric",
        metavar="NAME",
        help=_("what to optimise (default: val_accuracy, or val_loss for regression)"),
    )
    search.add_argument(
        "--storage",
        metavar="URL",
        help=_(
            "a database URL (sqlite:///search.db) holding the study, so several processes "
            "can work on one search"
        ),
    )
    search.add_argument(
        "--study", metavar="NAME", help=_("the study's name in --storage (default: the file's)")
    )
    search.add_argument("--no-pruning", action="store_true", help=_("train every trial fully"))
    search.add_argument("--seed", type=int, default=0, metavar="N", help=_("the sampler's seed"))
    search.add_argument(
        "--save",
        metavar="OUT",
        help=_("write the project with the best trial's settings and every trial as a run"),
    )
    search.add_argument("--json", action="store_true", help=_("print one JSON object on stdout"))
    search.add_argument("--quiet", action="store_true", help=_("no line per trial"))


def add_train_options(train: argparse.ArgumentParser) -> None:
    """``train --tensorboard DIR``."""
    train.add_argument(
        "--tensorboard",
        metavar="DIR",
        help=_("also write TensorBoard event files (scalars, histograms, HParams) into DIR"),
    )


def train_listener(
    args: argparse.Namespace, project: Any, plan: Any, progress: Callable[[Any], None]
) -> tuple[Callable[[Any], None], Any]:
    """The run's event listener and report policy: the progress bar, plus a TensorBoard
    writer with ``--tensorboard DIR`` (which also asks for layer statistics once an epoch,
    for the f′(z) histograms)."""
    from nnstudio.core.training import ReportPolicy

    if not getattr(args, "tensorboard", None):
        return progress, ReportPolicy(batches=False)
    from nnstudio.core.experiments.tensorboard import TensorBoardLogger, hparams_of

    names = {nid: n.name for nid, n in project.graph.nodes.items()}
    board = TensorBoardLogger(
        args.tensorboard,
        plan.model,
        names=names,
        hparams=hparams_of(project.training, project.graph),
    )

    def both(event: Any) -> None:
        progress(event)
        board(event)

    return both, ReportPolicy(batches=False, detail_per_epoch=True)


# --- evaluate --------------------------------------------------------------------------------


def cmd_evaluate(args: argparse.Namespace, load: Loader, print_json: Printer) -> int:
    from nnstudio.core.errors import DataError
    from nnstudio.core.experiments.evaluation import evaluate_project

    project = load(args, with_data=False)
    if args.target and project.preprocessor is not None:
        wanted = list(project.preprocessor.target_columns)
        if list(args.target) != wanted:
            raise DataError(
                _("the model was trained to predict {wanted}, not {given}").format(
                    wanted=", ".join(wanted), given=", ".join(args.target)
                ),
                where="--target",
            )
    data = str(Path(args.data).resolve()) if args.data else None
    result = evaluate_project(
        project, data=data, importance=not args.no_importance, feature=args.feature
    )
    for warning in result.warnings:
        print(_("warning: {message}").format(message=tr(warning)), file=sys.stderr)
    if args.json:
        print_json(result.to_dict())
        return 0
    for split in result.splits:
        print(evaluation_text(split))
        print()
    if result.importance is not None:
        print(importance_text(result.importance))
    if result.partial_dependence is not None:
        print()
        print(partial_dependence_text(result.partial_dependence))
    return 0


#: How the text names each evaluated split (JSON keeps the English key).
SPLIT_NAMES = {"validation": N_("validation"), "test": N_("test"), "data": N_("other CSV")}


def _split_name(split: str) -> str:
    return _(SPLIT_NAMES.get(split, split))


def evaluation_text(split: Any) -> str:
    """One split's evaluation as the command prints it."""
    lines = [
        ngettext("{split}: {n} row", "{split}: {n} rows", split.rows).format(
            split=_split_name(split.split), n=split.rows
        )
    ]
    if split.task == "classification":
        lines.append(
            _("accuracy {accuracy:.4f}   ROC AUC (one-vs-rest, macro) {auc}").format(
                accuracy=split.accuracy, auc=_figure(split.roc_auc)
            )
        )
        # Translators: column headings of the per-class table; keep them short.
        header = (_("class"), _("precision"), _("recall"), _("F1"), _("support"))
        width = max([len(header[0]), *(len(c.name) for c in split.classes), 12])
        lines.append(
            f"{header[0]:<{width}}  {header[1]:>9}  {header[2]:>9}  {header[3]:>9}  {header[4]:>9}"
        )
        for c in [*split.classes, split.macro, split.weighted]:
            name = c.name
            if c is split.macro:
                name = _("macro avg")
            elif c is split.weighted:
                name = _("weighted avg")
            lines.append(
                f"{name:<{width}}  {c.precision:>9.4f}  {c.recall:>9.4f}  {c.f1:>9.4f}  "
                f"{c.support:>9d}"
            )
        for roc, pr in zip(split.roc, split.pr, strict=True):
            lines.append(
                _("class {name}: ROC AUC {auc}, average precision {ap}").format(
                    name=roc.name, auc=_figure(roc.area), ap=_figure(pr.area)
                )
            )
        if split.n_misclassified:
            lines.append(
                ngettext(
                    "{n} misclassified row; the most confident mistakes:",
                    "{n} misclassified rows; the most confident mistakes:",
                    split.n_misclassified,
                ).format(n=split.n_misclassified)
            )
            for m in split.misclassified[:SHOWN_MISCLASSIFIED]:
                lines.append(
                    _("  row {row}: true {true}, predicted {predicted} (p = {p:.3f})").format(
                        row=m.row, true=m.true, predicted=m.predicted, p=m.confidence
                    )
                )
        else:
            lines.append(_("no misclassified rows"))
        return "\n".join(lines)
    for t in split.targets:
        lines.append(
            _("{target}: MAE {mae:.4g}   RMSE {rmse:.4g}   R² {r2}").format(
                target=t.name, mae=t.mae, rmse=t.rmse, r2=_figure(t.r2)
            )
        )
        if len(t.counts):
            peak = max(int(c) for c in t.counts) or 1
            lines.append(_("  residuals (true − predicted):"))
            for count, lo, hi in zip(t.counts, t.edges[:-1], t.edges[1:], strict=True):
                bar = "#" * round(30 * int(count) / peak)
                lines.append(f"  {lo:>10.4g} … {hi:<10.4g} {int(count):>6d} {bar}")
    return "\n".join(lines)


def importance_text(importance: Any) -> str:
    lines = [
        _(
            "permutation importance on the {split} rows (growth of the {metric} when a "
            "column is shuffled; baseline {baseline:.4g}):"
        ).format(
            split=_split_name(importance.split),
            metric=importance.metric,
            baseline=importance.baseline,
        )
    ]
    for i, f in enumerate(importance.features[:SHOWN_FEATURES], 1):
        lines.append(f"  {i:>2}. {f.feature:<24} {f.importance:>10.4f} ± {f.std:.4f}")
    return "\n".join(lines)


def partial_dependence_text(pd: Any) -> str:
    keys = list(pd.outputs)
    width = max(12, len(pd.feature))
    lines = [
        _("partial dependence on {feature} (mean output over the {split} rows):").format(
            feature=pd.feature, split=_split_name(pd.split)
        ),
        f"  {pd.feature:>{width}}  " + "  ".join(f"{k:>10}" for k in keys),
    ]
    for i, value in enumerate(pd.values):
        shown = f"{value:>{width}.4g}" if isinstance(value, float) else f"{value!s:>{width}}"
        lines.append(f"  {shown}  " + "  ".join(f"{pd.outputs[k][i]:>10.4f}" for k in keys))
    return "\n".join(lines)


def _figure(value: float) -> str:
    import math

    return f"{value:.4f}" if math.isfinite(value) else "—"


# --- profile ---------------------------------------------------------------------------------


def cmd_profile(args: argparse.Namespace, print_json: Printer) -> int:
    from nnstudio.core.data import read_csv
    from nnstudio.core.errors import DataError
    from nnstudio.core.experiments.profile import profile_frame

    table = read_csv(args.csv)
    if args.target and args.target not in [str(c) for c in table.frame.columns]:
        raise DataError(
            _("the CSV has no column {name}").format(name=args.target), where="--target"
        )
    profile = profile_frame(table.frame, target=args.target)
    if args.json:
        print_json(profile.to_dict())
    else:
        print(profile_text(profile))
    return 0


def profile_text(profile: Any) -> str:
    from nnstudio.core.experiments.profile import strongest_correlations

    kinds = {"numeric": _("numeric"), "categorical": _("categorical")}
    lines = [
        ngettext("{n} row", "{n} rows", profile.rows).format(n=profile.rows)
        + ", "
        + ngettext("{n} column", "{n} columns", len(profile.columns)).format(n=len(profile.columns))
    ]
    # Translators: column headings of the profile table; keep them short.
    head = (_("column"), _("type"), _("missing"), _("min"), _("max"), _("mean"), _("outliers"))
    width = max([len(head[0]), *(len(c.name) for c in profile.columns)])
    lines.append(
        f"{head[0]:<{width}}  {head[1]:<11}  {head[2]:>7}  {head[3]:>10}  {head[4]:>10}  "
        f"{head[5]:>10}  {head[6]:>8}"
    )
    for c in profile.columns:

        def num(value: float | None) -> str:
            return "" if value is None else f"{value:.4g}"

        flags = []
        if c.constant:
            flags.append(_("constant"))
        if c.duplicate_of:
            flags.append(_("same as {name}").format(name=c.duplicate_of))
        lines.append(
            f"{c.name:<{width}}  {kinds.get(c.kind, c.kind):<11}  {c.missing:>7d}  "
            f"{num(c.minimum):>10}  {num(c.maximum):>10}  {num(c.mean):>10}  "
            f"{c.outliers:>8d}  {'; '.join(flags)}".rstrip()
        )
    lines.append(_("outliers: values beyond 1.5 interquartile ranges from the quartiles"))
    if profile.duplicate_rows:
        shown = ", ".join(str(r) for r in profile.duplicate_row_numbers[:10])
        lines.append(
            ngettext(
                "{n} row repeats an earlier row (rows {rows})",
                "{n} rows repeat an earlier row (rows {rows})",
                profile.duplicate_rows,
            ).format(n=profile.duplicate_rows, rows=shown)
        )
    else:
        lines.append(_("no duplicate rows"))
    if profile.class_balance:
        total = sum(profile.class_balance.values())
        lines.append(_("class balance of {target}:").format(target=profile.target))
        for name, count in profile.class_balance.items():
            lines.append(f"  {name:<16} {count:>7d}  {100 * count / total:5.1f}%")
    pairs = strongest_correlations(profile)
    if pairs:
        lines.append(_("most correlated columns:"))
        for a, b, r in pairs:
            lines.append(f"  {a} ~ {b}: {r:+.3f}")
    return "\n".join(lines)


# --- search ----------------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace, load: Loader, print_json: Printer) -> int:
    from nnstudio.core.experiments.search import (
        add_search_runs,
        apply_params,
        parse_param,
        run_search,
    )
    from nnstudio.core.project import save_project

    params = [parse_param(text) for text in args.param]
    project = load(args)
    study = args.study or (Path(args.file).stem if args.storage else None)

    def on_trial(record: Any) -> None:
        if args.quiet or args.json:
            return
        shown = ", ".join(f"{k}={_value(v)}" for k, v in record.params.items())
        states = {"complete": _("done"), "pruned": _("pruned"), "fail": _("failed")}
        value = "" if record.value is None else f"{record.value:.4f}"
        print(
            _("trial {n}: {state} {value} ({params})").format(
                n=record.number,
                state=states.get(record.state, record.state),
                value=value,
                params=shown,
            ),
            file=sys.stderr,
        )

    result = run_search(
        project,
        params,
        trials=args.trials,
        timeout=args.timeout,
        sampler=args.sampler,
        metric=args.metric,
        storage=args.storage,
        study_name=study,
        pruning=not args.no_pruning,
        seed=args.seed,
        on_trial=on_trial,
    )
    out = result.to_dict()
    if args.save and result.best_params:
        # The trials join the project's runs (one experiment) before the best is applied:
        # the saved file compares them in its runs table like any runs.
        add_search_runs(project, result)
        best = apply_params(project, result.best_params)
        out["saved"] = str(save_project(best, args.save))
    if args.json:
        print_json(out)
        return 0
    done = sum(t.state == "complete" for t in result.trials)
    pruned = sum(t.state == "pruned" for t in result.trials)
    print(
        _("{n} trials ({done} done, {pruned} pruned) in {seconds:.1f}s").format(
            n=len(result.trials), done=done, pruned=pruned, seconds=result.seconds
        )
    )
    if result.best_value is None:
        print(_("no trial finished"))
        return 1
    shown = ", ".join(f"{k}={_value(v)}" for k, v in result.best_params.items())
    print(
        _("best {metric} {value:.4f} (trial {n}): {params}").format(
            metric=result.metric, value=result.best_value, n=result.best_number, params=shown
        )
    )
    if result.importances:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in result.importances.items())
        print(_("parameter importances: {list}").format(list=shown))
    if args.save:
        print(_("saved {path}").format(path=out["saved"]))
    return 0


def _value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
