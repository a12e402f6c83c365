"""Linear regression by gradient descent on generated data: a tiny, real training script.

Reads its config the way a W&B Launch job does: JSON in TMINUS_CONFIG (or WANDB_CONFIG), with
command-line flags (appended by `overrides.args`) taking precedence. Standard library only.
"""
import argparse
import json
import os
import random
import sys


def load_config():
    config = {"lr": 0.3, "epochs": 20, "seed": 0, "samples": 200}
    raw = os.environ.get("TMINUS_CONFIG") or os.environ.get("WANDB_CONFIG") or "{}"
    try:
        config.update(json.loads(raw))
    except json.JSONDecodeError as error:
        sys.exit(f"config is not valid JSON: {error}")
    parser = argparse.ArgumentParser(description=__doc__)
    for key, kind in (("lr", float), ("epochs", int), ("seed", int), ("samples", int)):
        parser.add_argument(f"--{key}", type=kind, default=config[key])
    parser.add_argument("--fail-at-epoch", type=int, default=config.get("fail_at_epoch"))
    return vars(parser.parse_args())


def main():
    config = load_config()
    print(f"run {os.environ.get('TMINUS_RUN_ID', 'local')} config: {json.dumps(config, sort_keys=True)}", flush=True)
    rng = random.Random(config["seed"])
    true_w, true_b = 3.0, -1.0
    xs = [rng.uniform(-1, 1) for _ in range(config["samples"])]
    ys = [true_w * x + true_b + rng.gauss(0, 0.1) for x in xs]
    w, b, n = 0.0, 0.0, len(xs)
    loss = float("nan")
    for epoch in range(1, config["epochs"] + 1):
        if config["fail_at_epoch"] == epoch:
            print(f"diverged at epoch {epoch}: loss is nan", file=sys.stderr, flush=True)
            sys.exit(3)
        errors = [(w * x + b) - y for x, y in zip(xs, ys)]
        loss = sum(e * e for e in errors) / n
        w -= config["lr"] * 2 * sum(e * x for e, x in zip(errors, xs)) / n
        b -= config["lr"] * 2 * sum(errors) / n
        print(f"epoch {epoch} loss {loss:.6f}", flush=True)
    print(f"final w={w:.4f} b={b:.4f} loss={loss:.6f}", flush=True)


if __name__ == "__main__":
    main()
