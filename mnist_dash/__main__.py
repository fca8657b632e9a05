"""Command line: ``python -m mnist_dash train|evaluate|predict|export-detector ...``.

It calls the same functions as the pages, and shares their cache folder. When that
folder cannot be used it says so in one line (``note: ...``) and works in memory.
A failure is one line on stderr (``error: ...``), never a traceback: exit code 1,
or 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

from mnist_dash import data, evaluation, export, models, store

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _digit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a digit 0-9") from None
    if not 0 <= value <= 9:
        raise argparse.ArgumentTypeError(f"{value} is not a digit 0-9")
    return value


def _folds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"{value} is fewer than 2 folds")
    return value


def _threshold(text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _stderr_progress(fraction: float, message: str) -> None:
    print(f"\r[{fraction:6.1%}] {message:<70}", end="", file=sys.stderr, flush=True)
    if fraction >= 1.0:
        print(file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (shared with the tests)."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist_dash",
        description="Train, evaluate and use the MNIST models of mnist_dash.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--data",
            default="sample",
            help="'sample' (bundled, default), 'openml' (full MNIST, "
            "downloaded once) or a folder of IDX files",
        )
        sub.add_argument(
            "--model",
            default=models.DEFAULT_MODEL,
            choices=sorted(models.MODELS),
            help="model name",
        )
        sub.add_argument(
            "--target-digit",
            type=_digit,
            default=None,
            metavar="D",
            help="train the binary detector 'is it a D?'",
        )
        sub.add_argument("--quiet", action="store_true", help="no progress output")

    train = commands.add_parser(
        "train", help="train a model; print its test accuracy and where it is stored"
    )
    common(train)
    evaluate = commands.add_parser(
        "evaluate",
        help="cross-validated accuracy (cv=3), like the book's cross_val_score",
    )
    common(evaluate)
    evaluate.add_argument(
        "--cv",
        type=_folds,
        default=3,
        help="number of folds: 2 up to the digits of the rarest class",
    )

    predict = commands.add_parser(
        "predict", help="read the digit in image files (any size, either polarity)"
    )
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--data", default="sample", help="training data of the model")
    predict.add_argument(
        "--model",
        default=models.DRAW_MODEL,
        choices=sorted(models.MODELS),
        help="model name",
    )
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("--quiet", action="store_true", help="no progress output")

    detector = commands.add_parser(
        "export-detector",
        help="write the book's SGD 'is it a D?' detector with a chosen threshold, "
        "as scikit-learn's FixedThresholdClassifier (a pickle)",
    )
    detector.add_argument("--data", default="sample", help="training data")
    detector.add_argument(
        "--digit", type=_digit, required=True, metavar="D", help="the detector's digit"
    )
    detector.add_argument(
        "--threshold",
        type=_threshold,
        required=True,
        metavar="T",
        help="say yes when the decision score is T or more (the Precision/recall "
        "page shows its threshold and this command)",
    )
    detector.add_argument("--out", required=True, metavar="FILE", help="file to write")
    detector.add_argument("--quiet", action="store_true", help="no progress output")
    return parser


def _train(args: argparse.Namespace) -> int:
    progress = None if args.quiet else _stderr_progress
    dataset = data.load_mnist(args.data, progress=progress)
    model = models.train_model(
        args.model,
        dataset.X_train,
        dataset.y_train,
        target_digit=args.target_digit,
        progress=progress,
    )
    accuracy = models.accuracy(
        model, dataset.X_test, dataset.y_test, target_digit=args.target_digit
    )
    path = models.model_file(
        args.model, dataset.X_train, dataset.y_train, target_digit=args.target_digit
    )
    what = (
        args.model
        if args.target_digit is None
        else (f"{args.model} (is it a {args.target_digit}?)")
    )
    print(
        f"{what} on {dataset.name}: test accuracy {accuracy:.4f} "
        f"on {len(dataset.y_test):,} digits"
    )
    if path is None:
        print("not stored: fitting it again is as quick as loading a copy")
    elif store.status().readable and path.is_file():
        print(f"stored in {path}")
    else:
        print("not stored: the cache folder cannot be written")
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    progress = None if args.quiet else _stderr_progress
    dataset = data.load_mnist(args.data, progress=progress)
    try:
        evaluation.check_cv(args.cv, dataset.y_train, target_digit=args.target_digit)
    except ValueError as error:
        print(f"error: --cv: {error}", file=sys.stderr)
        return EXIT_USAGE
    result = evaluation.cross_validate_model(
        args.model,
        dataset.X_train,
        dataset.y_train,
        target_digit=args.target_digit,
        cv=args.cv,
        progress=progress,
    )
    folds = ", ".join(f"{a:.4f}" for a in result.fold_accuracy)
    print(
        f"{args.model} on {dataset.name}: cross-validated accuracy "
        f"{result.accuracy:.4f} (folds: {folds})"
    )
    return EXIT_OK


def _predict(args: argparse.Namespace) -> int:
    from mnist_dash.preprocess import image_file_to_mnist
    from mnist_dash.reading import read_features, refusal_of
    from mnist_dash.refusal import DigitRefusal

    progress = None if args.quiet else _stderr_progress
    dataset = data.load_mnist(args.data, progress=progress)
    model = models.train_model(
        args.model, dataset.X_train, dataset.y_train, progress=progress
    )
    # Every model refuses what is no digit, as on the Draw page: with its own
    # check, else one learnt from the same digits (kept in the cache folder).
    check = refusal_of(model) or DigitRefusal().fit(dataset.X_train)
    status = EXIT_OK
    for path in args.images:
        try:
            features = image_file_to_mnist(path)
        except (OSError, ValueError) as error:
            status = EXIT_FAILED
            message = str(error)
            if args.json:
                print(json.dumps({"path": path, "error": message}))
            print(f"error: {path}: {message}", file=sys.stderr)
            continue
        result = read_features(model, features, refusal=check)
        if args.json:
            field = "probabilities" if result.kind == "probability" else "scores"
            line = {
                "path": path,
                "digit": result.digit,
                field: [round(float(v), 6) for v in result.values],
                "uncertain": result.uncertain,
                "refused": result.uncertain,
            }
            if result.uncertain:
                line["reason"] = result.reason
            if result.empty:
                line["note"] = "no ink found"
            print(json.dumps(line))
        elif result.empty:
            print(f"{path}: no digit (no ink found)")
        elif result.uncertain:
            forced = f"forced, it would say {result.digit}"
            print(f"{path}: refused ({result.reason}; {forced})")
        else:
            print(f"{path}: {result.digit}")
    return status


def _export_detector(args: argparse.Namespace) -> int:
    progress = None if args.quiet else _stderr_progress
    dataset = data.load_mnist(args.data, progress=progress)
    model = models.train_model(
        "sgd",
        dataset.X_train,
        dataset.y_train,
        target_digit=args.digit,
        progress=progress,
    )
    detector = export.detector_with_threshold(model, threshold=args.threshold)
    try:
        path = export.save_detector(detector, args.out)
    except OSError as error:
        reason = error.strerror or error
        print(f"error: cannot write {args.out}: {reason}", file=sys.stderr)
        return EXIT_FAILED
    said = detector.predict(dataset.X_test)
    truth = models.targets_for(dataset.y_test, args.digit)
    found = int((said & truth).sum())
    precision = found / said.sum() if said.sum() else float("nan")
    recall = found / truth.sum() if truth.sum() else float("nan")
    print(
        f"wrote {path}: FixedThresholdClassifier, 'is it a {args.digit}?' when the "
        f"score is {args.threshold:,.6g} or more; on the {len(truth):,} test digits "
        f"of {dataset.name}: precision {precision:.4f}, recall {recall:.4f}. A "
        "pickle: load it with pickle.load, only from a source you trust."
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    note = store.problem()
    if note:
        print(f"note: {note}", file=sys.stderr)
    handlers = {
        "train": _train,
        "evaluate": _evaluate,
        "predict": _predict,
        "export-detector": _export_detector,
    }
    try:
        return handlers[args.command](args)
    except (data.DataSourceError, store.LockTimeout, ValueError) as error:
        # ValueError: what the core refuses, say a detector for a digit the
        # training set does not hold.
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if store.problem() not in (None, note):  # a write failed on the way
            print(f"note: {store.problem()}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
