#!/usr/bin/python3
"""Writes the whole-model pickle and TorchScript fixtures, with real PyTorch (1.13), and their hostile variants.

Run from anywhere: /usr/bin/python3 tests/Transfer.Tests/Formats/Fixtures/make_module_fixtures.py

modules/ gets LeNet5 (the examples/LeNet5to6/lenet5.pt weights) saved four ways: torch.save(model) as a zip
and in the legacy format, torch.jit.script and torch.jit.trace archives; a model with parameters and
buffers that are None, a non-persistent buffer, nested and shared submodules, saved whole, wrapped in a
checkpoint dict and scripted; and a checkpoint dict holding an argparse.Namespace beside a state dict. modules/manifest.json records for each file what PyTorch itself lists after
loading it (model.state_dict(), or the loaded TorchScript module's state_dict()): name, dtype, shape and the
SHA-256 of each tensor's contiguous little-endian bytes. Zip members carry the time they were written, so a
rerun rewrites the files with the same tensors; commit only what a change needs.

malicious/ gets hostile whole-model pickles, written opcode by opcode (nothing here is pickled from a live
object with a payload, and nothing is run): their payloads would create /tmp/transfer_pwned_* markers if
anything executed them.
"""
import hashlib
import json
import os
import struct
import sys
import zipfile

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "modules")
BAD = os.path.join(HERE, "malicious")
EXAMPLE = os.path.join(HERE, "..", "..", "..", "..", "examples", "LeNet5to6", "lenet5.pt")
os.makedirs(OUT, exist_ok=True)
MANIFEST = {}
MARK = "/tmp/transfer_pwned_"


class LeNet5(nn.Module):
    """The model examples/LeNet5to6/pytorch/train_lenet5.py trains: the same keys as lenet5.pt."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x):
        return self.fc(self.conv(x))


class Buffers(nn.Module):
    """Parameters and buffers that are None, a non-persistent buffer, nested, absent and shared submodules."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3, bias=False)
        self.bn = nn.BatchNorm1d(3)
        self.register_buffer("scratch", torch.arange(2.0), persistent=False)
        self.register_buffer("steps", torch.tensor([3, 4], dtype=torch.int64))
        self.register_buffer("nothing", None)
        self.register_parameter("unused", None)
        self.scale = nn.Parameter(torch.tensor([0.5, 2.0], dtype=torch.float64))
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Sequential(nn.Linear(3, 1))])
        self.add_module("absent", None)
        self.shared = self.fc

    def forward(self, x):
        y = self.bn(self.fc(x))
        for block in self.blocks:
            y = block(y)
        return y * self.scale.float().sum() + self.scratch.sum() + self.steps.sum()


class Scriptable(nn.Module):
    """Buffers for TorchScript: scripting keeps no None submodule, so this one has none."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3, bias=False)
        self.bn = nn.BatchNorm1d(3)
        self.register_buffer("scratch", torch.arange(2.0), persistent=False)
        self.register_buffer("steps", torch.tensor([3, 4], dtype=torch.int64))
        self.scale = nn.Parameter(torch.tensor([0.5, 2.0], dtype=torch.float64))
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Sequential(nn.Linear(3, 1))])

    def forward(self, x):
        y = self.bn(self.fc(x))
        for block in self.blocks:
            y = block(y)
        return y * self.scale.float().sum() + self.scratch.sum() + self.steps.sum()


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def tensor_sha256(t):
    return hashlib.sha256(t.detach().contiguous().clone().numpy().tobytes()).hexdigest()


def record(name, state_dict, container, classes):
    MANIFEST[name] = {"container": container, "classes": sorted(classes), "tensors": [
        {"name": k, "dtype": dtype_name(v), "shape": list(v.shape), "sha256": tensor_sha256(v)}
        for k, v in state_dict.items()]}


def module_classes(model):
    return {type(m).__module__ + "." + type(m).__qualname__ for m in model.modules()}


def script_classes(path):
    with zipfile.ZipFile(path) as z:
        data = z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))
    import pickletools
    return {arg.replace(" ", ".") for op, arg, _ in pickletools.genops(data)
            if op.name == "GLOBAL" and arg.startswith("__torch__")}


def save_module(name, obj, model, **kw):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kw)
    loaded = torch.load(path)
    loaded_model = loaded["model"] if isinstance(loaded, dict) else loaded
    expected, actual = model.state_dict(), loaded_model.state_dict()
    assert list(expected) == list(actual) and all(torch.equal(expected[k], actual[k]) for k in expected)
    record(name, actual, "module pickle of __main__." + type(model).__name__, module_classes(model))


def save_script(name, scripted, model):
    path = os.path.join(OUT, name)
    scripted.save(path)
    loaded = torch.jit.load(path)
    state = loaded.state_dict()
    eager = model.state_dict()
    # TorchScript lists non-persistent buffers too; everything else is the eager model's state dict.
    assert all(torch.equal(state[k], v) for k, v in eager.items())
    record(name, state, "TorchScript module " + loaded.original_name_qualified(), script_classes(path))


def qualified(module):
    return module._c._type().qualified_name()


torch.jit.ScriptModule.original_name_qualified = lambda self: qualified(self)

# ---------------------------------------------------------------- LeNet5, four ways
torch.manual_seed(0)
lenet = LeNet5()
lenet.load_state_dict(torch.load(EXAMPLE)["model_state_dict"])
lenet.eval()
save_module("lenet5_module.pt", lenet, lenet)
save_module("lenet5_module_legacy.pt", lenet, lenet, _use_new_zipfile_serialization=False)
save_script("lenet5_scripted.pt", torch.jit.script(lenet), lenet)
save_script("lenet5_traced.pt", torch.jit.trace(lenet, torch.zeros(1, 1, 28, 28)), lenet)

# ---------------------------------------------------------------- buffers, nesting, sharing, None
torch.manual_seed(1)
buffers = Buffers()
buffers.bn.running_mean.uniform_()
buffers.bn.num_batches_tracked += 5
save_module("buffers_module.pt", buffers, buffers)
save_module("buffers_wrapped.pt", {"model": buffers, "epoch": 3}, buffers)
torch.manual_seed(2)
scriptable = Scriptable()
save_script("buffers_scripted.pt", torch.jit.script(scriptable), scriptable)
# A training checkpoint dict with the run's argparse.Namespace beside the state dict: the Namespace stays inert.
import argparse  # noqa: E402
torch.save({"model_state_dict": lenet.state_dict(), "args": argparse.Namespace(lr=0.05, epochs=2)}, os.path.join(OUT, "namespace_checkpoint.pt"))
record("namespace_checkpoint.pt", torch.load(os.path.join(OUT, "namespace_checkpoint.pt"))["model_state_dict"], "state dict", {"argparse.Namespace"})
# The older TorchScript fixture make_fixtures.py wrote, listed by PyTorch the same way.
old = torch.jit.load(os.path.join(HERE, "torchscript.pt"))
MANIFEST["../torchscript.pt"] = {"container": "TorchScript module " + qualified(old),
                                 "classes": sorted(script_classes(os.path.join(HERE, "torchscript.pt"))),
                                 "tensors": [{"name": k, "dtype": dtype_name(v), "shape": list(v.shape), "sha256": tensor_sha256(v)}
                                             for k, v in old.state_dict().items()]}

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(MANIFEST, f, indent=1, sort_keys=True)
    f.write("\n")


# ---------------------------------------------------------------- hostile whole-model pickles (opcodes only)
def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def text(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def put(i):
    return b"q" + bytes([i])


def get(i):
    return b"h" + bytes([i])


def odict(items=b""):
    return glob("collections", "OrderedDict") + b")R" + (b"(" + items + b"u" if items else b"")


def module(cls=("__main__", "Net"), params=b"", buffers=b"", modules=b"", memo=None):
    """NEWOBJ of a class, then BUILD with a Module's __dict__: the three dicts (and memo slot for the instance)."""
    return (glob(*cls) + b")\x81" + (put(memo) if memo is not None else b"") + b"}("
            + text("training") + b"\x88"
            + text("_parameters") + odict(params)
            + text("_buffers") + odict(buffers)
            + text("_modules") + odict(modules)
            + b"ub")


def pickle(body):
    return b"\x80\x02" + body + b"."


def bad_zip(name, pkl):
    with zipfile.ZipFile(os.path.join(BAD, name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/version", "3\n")


def payload(marker):
    return text("touch " + MARK + marker)


# A parameter whose __reduce__ is os.system, inside an otherwise valid module.
bad_zip("module_os_system.pt", pickle(module(params=text("w") + glob("posix", "system") + b"(" + payload("module") + b"tR")))
# A REDUCE on builtins.getattr (Python 3 spelling) and builtins.eval at the top of a module pickle.
bad_zip("builtins_getattr.pt", pickle(glob("builtins", "getattr") + b"(" + glob("posix", "system") + text("x") + b"tR"))
bad_zip("builtins_eval_py3.pt", pickle(glob("builtins", "eval") + b"(" + payload("eval") + b"tR"))
# A class with __setstate__: BUILD hands it a state only __setstate__ would read; it stays inert.
bad_zip("setstate_top.pt", pickle(glob("__main__", "Evil") + b")\x81" + b"(" + payload("setstate") + b"tb"))
bad_zip("setstate_parameter.pt", pickle(module(params=text("w") + glob("__main__", "Evil") + b")\x81" + b"(" + payload("setstate") + b"tb")))
# A stand-in class called on other arguments, and a stand-in instance called.
bad_zip("standin_called.pt", pickle(glob("__main__", "Net") + b"(" + payload("standin") + b"tR"))
bad_zip("standin_instance_called.pt", pickle(glob("__main__", "Net") + b")\x81" + b"(" + payload("standin") + b"tR"))
# BUILD on the class itself, not an instance.
bad_zip("build_on_class.pt", pickle(glob("__main__", "Net") + b"}b"))
# Module trees: 150 levels deep; a module that is its own submodule; 2^20 paths through shared submodules.
deep = module(cls=("__main__", "Leaf"))
for _ in range(150):
    deep = module(modules=text("m") + deep)
bad_zip("deep_modules.pt", pickle(deep))
bad_zip("module_cycle.pt", pickle(module(memo=0, modules=text("self") + get(0))))
diamond = module(cls=("__main__", "Leaf"))
for i in range(20):
    diamond = module(modules=text("a") + diamond + put(i + 1) + text("b") + get(i + 1))
bad_zip("module_diamond.pt", pickle(diamond))
# A module whose _parameters value is not a tensor.
bad_zip("module_parameter_string.pt", pickle(module(params=text("w") + text("not a tensor"))))
# A TorchScript archive whose code/ lacks the class's declaration: read, it cannot tell parameters from buffers.
with zipfile.ZipFile(os.path.join(OUT, "lenet5_scripted.pt")) as z:
    kept = [(n, z.read(n)) for n in z.namelist() if "/code/__torch__.py" not in n]
with zipfile.ZipFile(os.path.join(BAD, "torchscript_no_code.pt"), "w", zipfile.ZIP_STORED) as z:
    for n, data in kept:
        z.writestr(n, data)
# A class declaration whose __parameters__ is not a list of quoted names.
with zipfile.ZipFile(os.path.join(BAD, "torchscript_bad_declaration.pt"), "w", zipfile.ZIP_STORED) as z:
    for n, data in kept:
        z.writestr(n, data)
    z.writestr("lenet5_scripted/code/__torch__.py",
               b"class LeNet5(Module):\n  __parameters__ = [weight, ]\n  __buffers__ = []\n  training : bool\n")
# A deflated code file whose zip directory claims more bytes than it inflates to.
with zipfile.ZipFile(os.path.join(BAD, "torchscript_inflate_lie.pt"), "w", zipfile.ZIP_STORED) as z:
    for n, data in kept:
        z.writestr(n, data)
    z.writestr("lenet5_scripted/code/__torch__.py", b"class LeNet5(Module):\n  __parameters__ = []\n", zipfile.ZIP_DEFLATED)
lie = bytearray(open(os.path.join(BAD, "torchscript_inflate_lie.pt"), "rb").read())
entry = lie.rfind(b"PK\x01\x02")  # the last central directory entry: the code file written last
struct.pack_into("<I", lie, entry + 24, 4096)
open(os.path.join(BAD, "torchscript_inflate_lie.pt"), "wb").write(bytes(lie))
print("wrote", sorted(MANIFEST), file=sys.stderr)
