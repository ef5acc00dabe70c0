#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Converts an official DG-SCT checkpoint (a PyTorch state dict, .pt/.pth, zip or legacy format)
into a self-describing dgsct model file.

It strips a `module.` prefix, checks that the checkpoint is of the preset's task, drops the PVT-v2-b5
backbone that AVS checkpoints carry but never run (`encoder_backbone.*`), infers the adapter
variant from the checkpoint itself (prompt tokens K from my_tokens, reduction and groups from
down_sampler, presence of bn1 and of the audio gates) and refuses a mismatch with the preset, then
hands the tensors to dgsct-pack, which checks every key and shape against the preset, drops the
keys that never influence an output and writes the model file. Nothing is written on any error.

    dgsct-convert best_82.18.pt --preset ave-paper --output ave.safetensors [--dtype fp16]
    dgsct-convert best_82.18.pt --preset ave-paper --check
    dgsct-convert S4_pvt_best.pth --preset avs-s4-paper --output avs-s4.safetensors
    dgsct-convert avst.pt --preset avqa-paper --output avqa.safetensors
    dgsct-convert MGN_Net.pt --preset avvp-paper --clip-encoder r2plus1d_18-91a641e6.pth --output avvp.safetensors

AVVP models read R(2+1)D-18 clip features: --clip-encoder takes torchvision's usual r2plus1d_18
weight file and packs it into the model file, which then computes the features from frames.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch

PRESET_DIRS = [d for d in os.environ.get("DGSCT_PRESET_PATH", "").split(":") if d] + "@PRESET_DIRS@".split(":")
LABEL_DIRS = "@LABEL_DIRS@".split(":")
DEFAULT_LABELS = {"ave": "ave-categories.txt", "avs": "avs-sounding-object.txt", "avvp": "avvp-categories.txt",
                  "avqa": "avqa-answers.txt"}

# The question tokens of the AVQA models (spec 12), shipped with the labels.
QUESTION_VOCABULARY = "avqa-question-vocab.txt"
# Keys that only one task's checkpoint holds (spec section 1.1 and 5.6).
TASK_MARKERS = {"ave": "CMBS.", "avs": "tpavi_b", "avvp": "fc_prob.", "avqa": "fc_ans."}
# Keys by which torchvision's r2plus1d_18 weights are recognised (first and last convolution).
CLIP_ENCODER_MARKERS = ("stem.0.weight", "stem.3.weight", "layer4.1.conv2.0.3.weight")
# The PVT-v2-b5 that the AVS model builds (and even loads) but never calls (spec 5.6).
DEAD_BACKBONE = "encoder_backbone."

SAFETENSORS_DTYPES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL",
}


STORAGE_DTYPES = {"fp32": "F32", "fp16": "F16", "bf16": "BF16"}


class ConversionError(Exception):
    pass


def find_file(name, dirs, what):
    if os.sep in name or os.path.isfile(name):
        return name
    for d in dirs:
        path = os.path.join(d, name)
        if os.path.isfile(path):
            return path
    raise ConversionError(f"{what} '{name}' not found in: {' '.join(dirs)}")


def load_state_dict(path):
    """The checkpoint's tensors by name, the serialisation format and whether `module.` was stripped."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ConversionError(f"{path}: cannot open: {e.strerror}")
    fmt = "zip" if magic.startswith(b"PK") else "legacy"
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds on a corrupt file
        raise ConversionError(f"{path}: not a readable PyTorch checkpoint ({fmt} format): {e}")
    for wrapper in ("state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(wrapper), dict):
            obj = obj[wrapper]
    if not isinstance(obj, dict) or not obj:
        raise ConversionError(f"{path}: holds no state dict (a dict of tensors)")
    for name, value in obj.items():
        if not isinstance(value, torch.Tensor):
            raise ConversionError(f"{path}: key '{name}' is a {type(value).__name__}, not a tensor")
    stripped = all(name.startswith("module.") for name in obj)
    if stripped:
        obj = {name[len("module."):]: value for name, value in obj.items()}
    return obj, fmt, stripped


def checkpoint_task(state, path):
    found = sorted(task for task, marker in TASK_MARKERS.items() if any(k.startswith(marker) for k in state))
    if len(found) != 1:
        raise ConversionError(f"{path}: cannot tell the task (keys of {found or 'no known task'}; "
                              f"expected one of {', '.join(f'{m}* ({t})' for t, m in TASK_MARKERS.items())})")
    return found[0]


def adapter_variant(state, path):
    """What the checkpoint says about its adapters, with the keys it was read from."""
    def need(key):
        if key not in state:
            raise ConversionError(f"{path}: missing key '{key}' (needed to read the adapter variant)")
        return state[key]
    tokens = need("vis_adapter_blocks_p1.0.my_tokens")
    down = need("vis_adapter_blocks_p1.0.down_sampler.weight")  # [C/r, C/g, 1, 1]
    dim = tokens.shape[1]
    return {
        "tokens": (tokens.shape[0], "vis_adapter_blocks_p1.0.my_tokens"),
        "reduction": (dim // down.shape[0], "vis_adapter_blocks_p1.0.down_sampler.weight"),
        "groups": (dim // down.shape[1], "vis_adapter_blocks_p1.0.down_sampler.weight"),
        "batch_norm": ("vis_adapter_blocks_p1.0.bn1.weight" in state, "vis_adapter_blocks_p1.0.bn1.*"),
        "audio_gate": ("audio_adapter_blocks_p1.0.gate" in state, "audio_adapter_blocks_p1.0.gate"),
        "visual_gate": ("vis_adapter_blocks_p1.0.gate" in state, "vis_adapter_blocks_p1.0.gate"),
    }


def write_safetensors(path, state):
    """A bare safetensors file of `state`, tensors streamed one by one (full-size models are large)."""
    header, offset = {}, 0
    tensors = []
    for name, tensor in state.items():
        tensor = tensor.detach().contiguous()
        if tensor.dtype not in SAFETENSORS_DTYPES:
            raise ConversionError(f"key '{name}' has dtype {tensor.dtype}, which a model file cannot hold")
        size = tensor.numel() * tensor.element_size()
        header[name] = {"dtype": SAFETENSORS_DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + size]}
        tensors.append(tensor)
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for tensor in tensors:
            if tensor.numel():
                f.write(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="official .pt/.pth state dict")
    parser.add_argument("--preset", required=True, help="preset name (ave-paper) or preset file")
    parser.add_argument("--output", help="model file to write")
    parser.add_argument("--labels", help="label file, one name per line (default: the task's shipped list)")
    parser.add_argument("--dtype", choices=list(STORAGE_DTYPES), default="fp32", help="storage precision")
    parser.add_argument("--check", action="store_true", help="only report what the checkpoint holds")
    parser.add_argument("--clip-encoder", help="AVVP: torchvision's r2plus1d_18 weights (.pth) to pack as the clip encoder")
    args = parser.parse_args(argv)
    if bool(args.output) == args.check:
        parser.error("give exactly one of --output and --check")

    pack = os.environ.get("DGSCT_PACK") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "dgsct-pack")
    try:
        preset_path = find_file(args.preset if args.preset.endswith(".json") else args.preset + ".json", PRESET_DIRS, "preset")
        with open(preset_path) as f:
            preset = json.load(f)
        state, fmt, stripped = load_state_dict(args.checkpoint)
        print(f"{args.checkpoint}: {fmt} format, {len(state)} tensors{', module. prefix stripped' if stripped else ''}")

        task = checkpoint_task(state, args.checkpoint)
        if task != preset["task"]:
            raise ConversionError(f"{args.checkpoint}: a {task.upper()} checkpoint (keys {TASK_MARKERS[task]}*), "
                                  f"but preset {preset['name']} is for {preset['task'].upper()}")
        if task == "avs":
            dead = [k for k in state if k.startswith(DEAD_BACKBONE)]
            values = sum(state[k].numel() for k in dead)
            for k in dead:
                del state[k]
            print(f"dropped {len(dead)} keys ({values:,} values) of the PVT-v2-b5 backbone ({DEAD_BACKBONE}*), which never runs")
        variant = adapter_variant(state, args.checkpoint)
        print("adapters: " + ", ".join(f"{k} {v[0]}" for k, v in variant.items()))
        for field, (value, key) in variant.items():
            if value != preset["adapter"][field]:
                raise ConversionError(f"{args.checkpoint}: key '{key}' says adapter {field} = {value}, "
                                      f"preset {preset['name']} has {preset['adapter'][field]}")

        clip_state = None
        if args.clip_encoder:
            if task != "avvp":
                raise ConversionError(f"--clip-encoder: only AVVP models read clip features ({preset['name']} is {task.upper()})")
            clip_state, clip_fmt, _ = load_state_dict(args.clip_encoder)
            missing = [k for k in CLIP_ENCODER_MARKERS if k not in clip_state]
            if missing:
                raise ConversionError(f"{args.clip_encoder}: not torchvision's r2plus1d_18 (no key '{missing[0]}')")
            # Files saved before PyTorch 0.4.1 (torchvision's own among them) lack the batch norms'
            # step counters, which eval-mode batch norm never reads.
            for key in [k for k in clip_state if k.endswith(".running_mean")]:
                clip_state.setdefault(key[: -len("running_mean")] + "num_batches_tracked", torch.tensor(0))
            print(f"{args.clip_encoder}: {clip_fmt} format, {len(clip_state)} tensors of an R(2+1)D-18")

        labels = find_file(args.labels or DEFAULT_LABELS[task], LABEL_DIRS, "label file")
        # dgsct-pack checks every key and shape and writes the model file (temp + rename).
        out_dir = os.path.dirname(os.path.abspath(args.output)) if args.output else None
        with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
            bare = os.path.join(tmp, "state.safetensors")
            write_safetensors(bare, state)
            command = [pack, "--preset", preset_path, "--weights", bare, "--labels", labels]
            if task == "avqa":
                command += ["--vocabulary", find_file(QUESTION_VOCABULARY, LABEL_DIRS, "question vocabulary")]
            if clip_state is not None:
                clip_bare = os.path.join(tmp, "clip_encoder.safetensors")
                write_safetensors(clip_bare, clip_state)
                command += ["--clip-encoder", clip_bare]
            command += ["--check"] if args.check else ["--output", args.output, "--dtype", STORAGE_DTYPES[args.dtype]]
            result = subprocess.run(command, capture_output=True, text=True)
            stdout = result.stdout.replace(bare, args.checkpoint)
            sys.stdout.write(stdout.replace(clip_bare, args.clip_encoder) if clip_state is not None else stdout)
            if result.returncode != 0:
                raise ConversionError(result.stderr.strip().removeprefix("error: ").replace(bare, args.checkpoint))
        return 0
    except ConversionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
