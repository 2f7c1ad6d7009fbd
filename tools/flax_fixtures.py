#!/usr/bin/env python3
"""Reference fixtures for NetSpec's Flax interop, made with Flax itself.

    flax_fixtures.py [--out DIR]
        Writes, for resnet18 and resnet50 (num_filters 16, num_classes 10, input [4, 64, 64, 3]):
          flax_<name>_w16_c10.msgpack                  flax.serialization.to_bytes(variables)
          flax_<name>_w16_c10.safetensors              the same variables, names like
                                                       params.conv_init.kernel (Flax layouts);
                                                       resnet18 only (the repo keeps it small)
          flax_<name>_w16_c10.io.safetensors           input_nhwc, input_nchw, labels,
                                                       eval_logits, train_logits
          flax_<name>_w16_c10.batch_stats_after_train_step.safetensors
                                                       batch_stats after one train-mode apply,
                                                       names like bn_init.mean
        DIR defaults to models/src/test/resources/flax under the repository root.

    flax_fixtures.py check-msgpack FILE.msgpack --model resnet18|resnet50 --io IO.safetensors
        Loads a msgpack checkpoint written by another program (e.g. NetSpec's Java writer) the
        way Flax does, runs the Flax model in eval mode on `input_nhwc` of IO and compares with
        `eval_logits`. Exits 1 if the structure differs from the model's variables or the max
        relative error (max|diff| / max|expected|) exceeds --tolerance (default 1e-4).

The model is the Flax ImageNet example's ResNet (flax/examples/imagenet/models.py), copied
below. Needs jax, flax, numpy, safetensors; without jax/flax it prints a line starting with
"SKIPPED" and exits 0, so callers can treat a missing Flax as "not checked", not as a failure.
"""
import argparse
import json
import struct
import sys
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence, Tuple

import numpy as np

try:  # Flax is optional on build machines: skip, don't fail.
    import jax
    import jax.numpy as jnp
    import flax
    from flax import linen as nn
    from flax import serialization, traverse_util
    from safetensors.numpy import load_file, save
except ImportError as e:  # pragma: no cover - depends on the environment
    print(f"SKIPPED: jax/flax/safetensors not importable ({e})")
    sys.exit(0)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "models" / "src" / "test" / "resources" / "flax"

# ---------------------------------------------------------------------------------------------
# flax/examples/imagenet/models.py (ResNet V1), unchanged except that the BatchNorm has no
# axis_name (single device) - which is also how the example's models.py itself is written.
# ---------------------------------------------------------------------------------------------
ModuleDef = Any


class ResNetBlock(nn.Module):
    """ResNet block."""
    filters: int
    conv: ModuleDef
    norm: ModuleDef
    act: Callable
    strides: Tuple[int, int] = (1, 1)

    @nn.compact
    def __call__(self, x):
        residual = x
        y = self.conv(self.filters, (3, 3), self.strides)(x)
        y = self.norm()(y)
        y = self.act(y)
        y = self.conv(self.filters, (3, 3))(y)
        y = self.norm(scale_init=nn.initializers.zeros_init())(y)

        if residual.shape != y.shape:
            residual = self.conv(self.filters, (1, 1), self.strides, name='conv_proj')(residual)
            residual = self.norm(name='norm_proj')(residual)

        return self.act(residual + y)


class BottleneckResNetBlock(nn.Module):
    """Bottleneck ResNet block."""
    filters: int
    conv: ModuleDef
    norm: ModuleDef
    act: Callable
    strides: Tuple[int, int] = (1, 1)

    @nn.compact
    def __call__(self, x):
        residual = x
        y = self.conv(self.filters, (1, 1))(x)
        y = self.norm()(y)
        y = self.act(y)
        y = self.conv(self.filters, (3, 3), self.strides)(y)
        y = self.norm()(y)
        y = self.act(y)
        y = self.conv(self.filters * 4, (1, 1))(y)
        y = self.norm(scale_init=nn.initializers.zeros_init())(y)

        if residual.shape != y.shape:
            residual = self.conv(self.filters * 4, (1, 1), self.strides, name='conv_proj')(residual)
            residual = self.norm(name='norm_proj')(residual)

        return self.act(residual + y)


class ResNet(nn.Module):
    """ResNetV1."""
    stage_sizes: Sequence[int]
    block_cls: ModuleDef
    num_classes: int
    num_filters: int = 64
    dtype: Any = jnp.float32
    act: Callable = nn.relu
    conv: ModuleDef = nn.Conv

    @nn.compact
    def __call__(self, x, train: bool = True):
        conv = partial(self.conv, use_bias=False, dtype=self.dtype)
        norm = partial(nn.BatchNorm,
                       use_running_average=not train,
                       momentum=0.9,
                       epsilon=1e-5,
                       dtype=self.dtype)

        x = conv(self.num_filters, (7, 7), (2, 2), padding=[(3, 3), (3, 3)], name='conv_init')(x)
        x = norm(name='bn_init')(x)
        x = nn.relu(x)
        x = nn.max_pool(x, (3, 3), strides=(2, 2), padding='SAME')
        for i, block_size in enumerate(self.stage_sizes):
            for j in range(block_size):
                strides = (2, 2) if i > 0 and j == 0 else (1, 1)
                x = self.block_cls(self.num_filters * 2 ** i,
                                   strides=strides,
                                   conv=conv,
                                   norm=norm,
                                   act=self.act)(x)
        x = jnp.mean(x, axis=(1, 2))
        x = nn.Dense(self.num_classes, dtype=self.dtype)(x)
        x = jnp.asarray(x, self.dtype)
        return x


ResNet18 = partial(ResNet, stage_sizes=[2, 2, 2, 2], block_cls=ResNetBlock)
ResNet50 = partial(ResNet, stage_sizes=[3, 4, 6, 3], block_cls=BottleneckResNetBlock)
MODELS = {"resnet18": ResNet18, "resnet50": ResNet50}

# Fixture geometry: small enough to run in a unit test, big enough to exercise every stride.
NUM_FILTERS, NUM_CLASSES, INPUT_SHAPE = 16, 10, (4, 64, 64, 3)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def metadata() -> dict:
    return {"source": "tools/flax_fixtures.py", "flax": flax.__version__, "jax": jax.__version__}


def save_st(tensors: dict, path) -> None:
    """safetensors.numpy.save_file plus a stable __metadata__ key order.

    The Rust writer emits metadata in HashMap order, which changes from run to run; sorting it
    (same bytes, same header length) makes re-running the script leave the files unchanged.
    """
    data = save(tensors, metadata=metadata())
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":")).encode()
    assert len(text) == len(data[8:8 + n].rstrip(b" ")), "unexpected safetensors header form"
    Path(path).write_bytes(data[:8] + text.ljust(n, b" ") + data[8 + n:])


def to_numpy_tree(tree):
    """jax arrays -> numpy arrays, keeping the dict key order.

    Not jax.tree_util.tree_map: that rebuilds dicts with sorted keys, while model.init returns
    them in module creation order (conv_init, bn_init, ResNetBlock_0, ..., Dense_0), which is
    what to_bytes(model.init(...)) writes and what the msgpack fixture keeps.
    """
    return traverse_util.unflatten_dict({k: np.asarray(v) for k, v in flat(tree).items()})


def flat(tree) -> dict:
    """{('params', 'conv_init', 'kernel'): array, ...} in the tree's own (creation) order."""
    return traverse_util.flatten_dict(tree)


def dotted(tree) -> dict:
    """Safetensors needs flat names: join the Flax path with dots (variables -> params.x.kernel,
    updates['batch_stats'] -> bn_init.mean)."""
    return {".".join(k): np.ascontiguousarray(v) for k, v in flat(tree).items()}


def param_count(params) -> int:
    return int(sum(np.prod(x.shape) for x in jax.tree_util.tree_leaves(params)))


def perturb(variables):
    """Replace the BatchNorm affine params and running stats by random values.

    Fresh init has scale 1 (or 0 for the last norm of each block), bias 0, mean 0, var 1: a
    reader that ignored or swapped any of them would still match. Random values make every
    number matter. BatchNorm modules are the paths present in batch_stats. RandomState(1),
    modules visited in sorted path order, per module draws scale, bias, mean, var in that order;
    then the Dense bias (zero after init) gets its own draw, so that it matters too.
    """
    rng = np.random.RandomState(1)
    params = flat(to_numpy_tree(variables["params"]))
    stats = flat(to_numpy_tree(variables["batch_stats"]))
    bn_modules = sorted({k[:-1] for k in stats})
    for m in bn_modules:
        n = params[m + ("scale",)].shape
        params[m + ("scale",)] = rng.uniform(0.5, 1.5, n).astype(np.float32)
        params[m + ("bias",)] = (rng.standard_normal(n) * 0.1).astype(np.float32)
        stats[m + ("mean",)] = (rng.standard_normal(n) * 0.1).astype(np.float32)
        stats[m + ("var",)] = rng.uniform(0.5, 1.5, n).astype(np.float32)
    dense_bias = ("Dense_0", "bias")
    params[dense_bias] = (rng.standard_normal(params[dense_bias].shape) * 0.1).astype(np.float32)
    return {"params": traverse_util.unflatten_dict(params),
            "batch_stats": traverse_util.unflatten_dict(stats)}


def full_size_param_count(model_fn) -> int:
    """Parameter count of the real ImageNet model, from shapes only (no compute)."""
    model = model_fn(num_classes=1000, num_filters=64)
    shapes = jax.eval_shape(lambda k, x: model.init(k, x, train=False),
                            jax.random.PRNGKey(0), jnp.zeros((1, 224, 224, 3), jnp.float32))
    return param_count(shapes["params"])


# ---------------------------------------------------------------------------------------------
# fixture generation
# ---------------------------------------------------------------------------------------------
def generate(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    # Same inputs for both models (fresh RandomStates), so the io files are comparable.
    x = np.random.RandomState(2).standard_normal(INPUT_SHAPE).astype(np.float32)
    labels = np.random.RandomState(3).randint(0, NUM_CLASSES, size=(INPUT_SHAPE[0],)).astype(np.int64)

    for name, model_fn in MODELS.items():
        model = model_fn(num_classes=NUM_CLASSES, num_filters=NUM_FILTERS)
        variables = model.init(jax.random.PRNGKey(0), jnp.asarray(x), train=False)
        variables = perturb(variables)

        eval_logits = np.asarray(model.apply(variables, x, train=False))
        train_logits, updates = model.apply(variables, x, train=True, mutable=["batch_stats"])
        train_logits = np.asarray(train_logits)
        new_stats = to_numpy_tree(updates["batch_stats"])

        stem = out / f"flax_{name}_w{NUM_FILTERS}_c{NUM_CLASSES}"
        msgpack_bytes = serialization.to_bytes(variables)
        Path(f"{stem}.msgpack").write_bytes(msgpack_bytes)
        with_safetensors = name == "resnet18"
        if with_safetensors:
            save_st(dotted(variables), f"{stem}.safetensors")
        save_st({
            "input_nhwc": x,
            "input_nchw": np.ascontiguousarray(x.transpose(0, 3, 1, 2)),
            "labels": labels,
            "eval_logits": eval_logits.astype(np.float32),
            "train_logits": train_logits.astype(np.float32),
        }, f"{stem}.io.safetensors")
        save_st(dotted(new_stats), f"{stem}.batch_stats_after_train_step.safetensors")

        # Self-checks: the msgpack restores to the same arrays and reproduces the logits.
        restored = serialization.msgpack_restore(msgpack_bytes)
        assert flat(restored).keys() == flat(variables).keys()
        for k, v in flat(variables).items():
            assert np.array_equal(flat(restored)[k], v), k
        again = np.asarray(model.apply(restored, x, train=False))
        assert np.array_equal(again, eval_logits)
        if with_safetensors:
            st = load_file(f"{stem}.safetensors")
            assert st.keys() == dotted(variables).keys()
            assert all(np.array_equal(st[k], v) for k, v in dotted(variables).items())

        print(f"{name}: params {param_count(variables['params']):,} "
              f"(batch_stats {param_count(variables['batch_stats']):,}), "
              f"full size (w64, 1000 classes) {full_size_param_count(model_fn):,}")
        print(f"  eval_logits[0][:4]  {eval_logits[0][:4]}")
        print(f"  train_logits[0][:4] {train_logits[0][:4]}")
        for suffix in (".msgpack", ".safetensors", ".io.safetensors",
                       ".batch_stats_after_train_step.safetensors"):
            p = Path(f"{stem}{suffix}")
            if not p.exists():
                continue
            print(f"  {p} {p.stat().st_size:,} bytes")
    return 0


# ---------------------------------------------------------------------------------------------
# check-msgpack: does a checkpoint written elsewhere load and run in Flax?
# ---------------------------------------------------------------------------------------------
def check_msgpack(path: str, model_name: str, io_path: str, tolerance: float) -> int:
    data = Path(path).read_bytes()
    # msgpack_restore is what flax.serialization.from_bytes / Orbax's msgpack path use.
    state = serialization.msgpack_restore(data)
    if not isinstance(state, dict) or set(state.keys()) != {"params", "batch_stats"}:
        keys = list(state.keys()) if isinstance(state, dict) else type(state).__name__
        print(f"FAIL: top level must be a map with 'params' and 'batch_stats', got {keys}")
        return 1

    # Geometry from the checkpoint itself: conv_init kernel is HWIO [7, 7, 3, F], Dense bias [C].
    try:
        num_filters = int(np.shape(state["params"]["conv_init"]["kernel"])[-1])
        num_classes = int(np.shape(state["params"]["Dense_0"]["bias"])[0])
    except (KeyError, TypeError, IndexError) as e:
        print(f"FAIL: cannot find params.conv_init.kernel / params.Dense_0.bias ({e})")
        return 1
    model = MODELS[model_name](num_classes=num_classes, num_filters=num_filters)
    io = load_file(io_path)
    x, expected = io["input_nhwc"], io["eval_logits"]

    # Strict structure check (from_state_dict alone would ignore extra keys). A real init (on one
    # image) rather than eval_shape, because it also gives Flax's creation key order.
    template = model.init(jax.random.PRNGKey(0), jnp.asarray(x[:1]), train=False)
    want = {k: (tuple(v.shape), np.dtype(v.dtype)) for k, v in flat(template).items()}
    got_flat = flat(state)
    problems = [f"missing {'.'.join(k)}" for k in want if k not in got_flat]
    problems += [f"unexpected {'.'.join(k)}" for k in got_flat if k not in want]
    for k, (shape, dtype) in want.items():
        if k in got_flat:
            v = got_flat[k]
            if not isinstance(v, np.ndarray):
                problems.append(f"{'.'.join(k)} is {type(v).__name__}, not an ndarray")
            elif tuple(v.shape) != shape or v.dtype != dtype:
                problems.append(f"{'.'.join(k)} is {v.dtype}{list(v.shape)}, want {dtype}{list(shape)}")
    if problems:
        print(f"FAIL: {path} does not match {model_name} (w{num_filters}, {num_classes} classes):")
        for p in problems[:50]:
            print(f"  {p}")
        return 1

    variables = serialization.from_state_dict(template, state)
    got = np.asarray(model.apply(variables, x, train=False))
    err = float(np.max(np.abs(got - expected)) / max(float(np.max(np.abs(expected))), 1e-12))
    # Informational only (Flax looks keys up by name, order and encoding sizes don't matter):
    # re-encoding the restored tree (same key order) tells whether the writer encodes maps,
    # strings, ints and arrays exactly as Flax's msgpack does; the key order is reported
    # against Flax's two usual orders (init creation order; sorted, after any tree_map).
    same_encoding = serialization.to_bytes(state) == data
    keys = list(got_flat)
    order = ("creation order (as model.init)" if keys == list(flat(template))
             else "sorted (as after jax.tree_util.tree_map)"
             if keys == list(flat(jax.tree_util.tree_map(lambda a: a, template))) else "other")
    print(f"{path}: {model_name} w{num_filters} c{num_classes}, "
          f"{param_count(state['params']):,} params, loads in Flax {flax.__version__}; "
          f"byte-identical to Flax re-encoding: {'yes' if same_encoding else 'no'}; "
          f"key order: {order}")
    print(f"max relative error vs {io_path} eval_logits: {err:.3e} (tolerance {tolerance:g})")
    if err > tolerance:
        print("FAIL: logits differ")
        return 1
    print("OK")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"fixture directory (default {DEFAULT_OUT})")
    sub = p.add_subparsers(dest="cmd")
    c = sub.add_parser("check-msgpack", help="check that a msgpack checkpoint loads and runs in Flax")
    c.add_argument("file")
    c.add_argument("--model", required=True, choices=sorted(MODELS))
    c.add_argument("--io", required=True, help="safetensors with input_nhwc and eval_logits")
    c.add_argument("--tolerance", type=float, default=1e-4)
    args = p.parse_args(argv)
    if args.cmd == "check-msgpack":
        return check_msgpack(args.file, args.model, args.io, args.tolerance)
    return generate(args.out)


if __name__ == "__main__":
    sys.exit(main())
