#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""dgsct-convert on checkpoints built here from the golden weights: both serialisations, with and
without the `module.` prefix, every refusal, and a full-size state dict in the official layout.

Run by meson test with: CONVERT GOLDEN REFERENCE_DIR [--slow]."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import torch

CONVERT, GOLDEN, REFERENCE = sys.argv[1:4]
SLOW = "--slow" in sys.argv
SMALL = os.path.join(REFERENCE, "ave-small")

SAFETENSORS_TO_TORCH = {"F16": torch.float16, "F32": torch.float32, "I64": torch.int64, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    state = {}
    for name, desc in header.items():
        if name == "__metadata__":
            continue
        begin, end = desc["data_offsets"]
        dtype = SAFETENSORS_TO_TORCH[desc["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        state[name] = t.reshape(desc["shape"]).clone()
    return state


def official_state():
    """The golden weights as the official code saves them: fp32 parameters, int64 buffers."""
    return {k: (v.float() if v.is_floating_point() else v) for k, v in read_safetensors(os.path.join(SMALL, "weights.safetensors")).items()}


class Convert(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def save(self, state, name="ckpt.pt", legacy=False, prefix=""):
        path = os.path.join(self.dir, name)
        torch.save({prefix + k: v for k, v in state.items()}, path, _use_new_zipfile_serialization=not legacy)
        return path

    def convert(self, checkpoint, preset="ave-small", *extra):
        output = os.path.join(self.dir, "model.safetensors")
        result = subprocess.run([sys.executable, CONVERT, checkpoint, "--preset", preset, "--output", output, *extra],
                                capture_output=True, text=True)
        return result, output

    def assert_refused(self, state, *needles, preset="ave-small"):
        checkpoint = self.save(state)
        result, output = self.convert(checkpoint, preset)
        self.assertNotEqual(result.returncode, 0, result.stdout)
        for needle in (checkpoint,) + needles:
            self.assertIn(needle, result.stderr)
        self.assertFalse(os.path.exists(output), "a refused conversion wrote a file")
        self.assertEqual(os.listdir(self.dir), ["ckpt.pt"], "a refused conversion left files behind")

    def test_golden_parity_for_every_serialisation(self):
        state = official_state()
        for legacy in (False, True):
            for prefix in ("", "module."):
                with self.subTest(legacy=legacy, prefix=prefix):
                    checkpoint = self.save(state, legacy=legacy, prefix=prefix)
                    with open(checkpoint, "rb") as f:
                        self.assertEqual(f.read(2) == b"PK", not legacy)
                    result, output = self.convert(checkpoint)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertIn("legacy format" if legacy else "zip format", result.stdout)
                    self.assertEqual("module. prefix stripped" in result.stdout, bool(prefix))
                    self.assertIn("keys never influence an output and are dropped", result.stdout)
                    golden = subprocess.run([GOLDEN, "--model", output, "--input", os.path.join(SMALL, "input.safetensors"),
                                             "--taps", os.path.join(SMALL, "taps.safetensors"),
                                             "--tolerances", os.path.join(SMALL, "tolerances.json"), "--quiet"],
                                            capture_output=True, text=True)
                    self.assertEqual(golden.returncode, 0, golden.stdout + golden.stderr)
                    self.assertIn("decoded labels: 13 28 13 28 28 13 13 28 13 28", golden.stdout)

    def test_avs_checkpoint_drops_the_pvt_backbone(self):
        # The golden S4 weights plus a PVT-v2-b5 stand-in and keys that never run, as the official checkpoint holds them.
        state = read_safetensors(os.path.join(REFERENCE, "avs-s4-small", "weights.safetensors"))
        state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}
        state["encoder_backbone.patch_embed1.proj.weight"] = torch.randn(64, 3, 7, 7)
        state["encoder_backbone.block1.0.norm1.weight"] = torch.ones(64)
        state["x1_linear.weight"] = torch.randn(64, 8)
        result, output = self.convert(self.save(state), "avs-s4-small")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("dropped 2 keys (9,472 values) of the PVT-v2-b5 backbone (encoder_backbone.*), which never runs", result.stdout)
        small = os.path.join(REFERENCE, "avs-s4-small")
        golden = subprocess.run([GOLDEN, "--model", output, "--input", os.path.join(small, "input.safetensors"),
                                 "--taps", os.path.join(small, "taps.safetensors"),
                                 "--tolerances", os.path.join(small, "tolerances.json"), "--quiet"],
                                capture_output=True, text=True)
        self.assertEqual(golden.returncode, 0, golden.stdout + golden.stderr)
        self.assertIn("234 passed, 0 failed", golden.stdout)
        os.remove(output)
        self.assert_refused(state, "a AVS checkpoint", "preset ave-small is for AVE")

    def test_avvp_checkpoint_converts_with_its_idle_keys(self):
        # The golden AVVP weights plus the fc_caption layers the reference left out (never called).
        small = os.path.join(REFERENCE, "avvp-small")
        state = read_safetensors(os.path.join(small, "weights.safetensors"))
        state["audio_adapter_blocks_p1.0.fc_caption.weight"] = torch.randn(192, 512)
        state["audio_adapter_blocks_p1.0.fc_caption.bias"] = torch.zeros(192)
        # torchvision's r2plus1d_18 weights as its usual .pth file, packed as the clip encoder.
        import torchvision
        clip_path = os.path.join(self.dir, "r2plus1d_18.pth")
        # As torchvision's file was saved: without the batch norms' step counters.
        clip_state = {k: v for k, v in torchvision.models.video.r2plus1d_18().state_dict().items()
                      if not k.endswith("num_batches_tracked")}
        torch.save(clip_state, clip_path)
        result, output = self.convert(self.save(state), "avvp-small", "--clip-encoder", clip_path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("tensors of an R(2+1)D-18", result.stdout)
        packed = read_safetensors(output)
        self.assertIn("clip_encoder.layer4.1.conv2.0.3.weight", packed)
        self.assertNotIn("clip_encoder.fc.weight", packed)
        golden = subprocess.run([GOLDEN, "--model", output, "--input", os.path.join(small, "input.safetensors"),
                                 "--taps", os.path.join(small, "taps.safetensors"),
                                 "--tolerances", os.path.join(small, "tolerances.json"),
                                 "--decoded", os.path.join(small, "decoded.safetensors"), "--quiet"],
                                capture_output=True, text=True)
        self.assertEqual(golden.returncode, 0, golden.stdout + golden.stderr)
        self.assertIn("504 passed, 0 failed, 2 skipped", golden.stdout)
        self.assertIn("video-level labels: Dog Chainsaw", golden.stdout)
        os.remove(output)
        result, _ = self.convert(self.save(state), "avvp-small", "--clip-encoder", self.save(state, "other.pt"))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("not torchvision's r2plus1d_18 (no key 'stem.0.weight')", result.stderr)

    def test_avqa_checkpoint_with_the_data_parallel_prefix(self):
        # The official AVQA script saves from nn.DataParallel: every key is `module.<name>`.
        small = os.path.join(REFERENCE, "avqa-small")
        state = read_safetensors(os.path.join(small, "weights.safetensors"))
        checkpoint = self.save(state, prefix="module.")
        result = subprocess.run([sys.executable, CONVERT, checkpoint, "--preset", "avqa-small", "--check"],
                                capture_output=True, text=True)
        self.assertIn("module. prefix stripped", result.stdout)
        self.assertIn("tokens 2, reduction 2, groups 4, batch_norm False, audio_gate False, visual_gate True", result.stdout)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("every key of preset avqa-small present", result.stdout)
        self.assertEqual(os.listdir(self.dir), ["ckpt.pt"])

    def test_avqa_checkpoint_is_refused_by_another_task(self):
        state = read_safetensors(os.path.join(REFERENCE, "avqa-small", "weights.safetensors"))
        self.assert_refused({"module." + k: v for k, v in state.items()}, "a AVQA checkpoint", "preset ave-small is for AVE")

    def test_half_precision_output_is_half_the_size(self):
        checkpoint = self.save(official_state())
        sizes = {}
        for dtype in ("fp32", "fp16"):
            result, output = self.convert(checkpoint, "ave-small", "--dtype", dtype)
            self.assertEqual(result.returncode, 0, result.stderr)
            sizes[dtype] = os.path.getsize(output)
        # The exact STFT kernels stay F32 in every model file; everything else halves.
        self.assertLess(sizes["fp16"], 0.8 * sizes["fp32"])

    def test_check_reports_and_writes_nothing(self):
        checkpoint = self.save(official_state())
        result = subprocess.run([sys.executable, CONVERT, checkpoint, "--preset", "ave-small", "--check"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("tokens 32, reduction 8, groups 2, batch_norm True, audio_gate True, visual_gate True", result.stdout)
        self.assertIn("every key of preset ave-small present", result.stdout)
        self.assertEqual(os.listdir(self.dir), ["ckpt.pt"])

    def test_missing_key(self):
        state = official_state()
        del state["CMBS.localize_module.classifier.bias"]
        self.assert_refused(state, "missing key 'CMBS.localize_module.classifier.bias'")

    def test_extra_key(self):
        state = official_state()
        state["CMBS.extra.weight"] = torch.zeros(3)
        self.assert_refused(state, "unexpected key 'CMBS.extra.weight'")

    def test_wrong_shape(self):
        state = official_state()
        state["swin.norm.weight"] = torch.ones(64)
        self.assert_refused(state, "key 'swin.norm.weight' has shape [64], the model expects [128]")

    def test_checkpoint_of_another_task(self):
        state = {k: v for k, v in official_state().items() if not k.startswith("CMBS.")}
        state["fc_prob.weight"] = torch.zeros(25, 128)
        self.assert_refused(state, "a AVVP checkpoint", "preset ave-small is for AVE")

    def test_adapter_variant_mismatch(self):
        state = official_state()
        for name in list(state):
            if name.endswith("my_tokens"):
                state[name] = state[name][:2].clone()
        self.assert_refused(state, "key 'vis_adapter_blocks_p1.0.my_tokens' says adapter tokens = 2, preset ave-small has 32")

    def test_not_a_checkpoint(self):
        path = os.path.join(self.dir, "ckpt.pt")
        with open(path, "wb") as f:
            f.write(b"PK\x03\x04 this is not a zip")
        result, output = self.convert(path)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(f"{path}: not a readable PyTorch checkpoint", result.stderr)
        self.assertFalse(os.path.exists(output))

    @unittest.skipUnless(SLOW, "full-size conversion runs in the 'slow' test")
    def test_full_size_layout_converts_into_ave_paper(self):
        torch.manual_seed(0)
        state = {}
        with open(os.path.join(REFERENCE, "ave-full", "keys.tsv")) as f:
            for line in f:
                name, shape, dtype = line.rstrip("\n").split("\t")
                dims = [int(d) for d in shape.split(",")] if shape else []
                state[name] = torch.zeros(dims, dtype=torch.int64) if dtype == "I64" else torch.randn(dims) * 0.02
        self.assertEqual(len(state), 2646)
        checkpoint = self.save(state)
        del state
        result, output = self.convert(checkpoint, "ave-paper", "--dtype", "fp16")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("every key of preset ave-paper present", result.stdout)
        self.assertGreater(os.path.getsize(output), 800_000_000)


if __name__ == "__main__":
    selected = ["Convert.test_full_size_layout_converts_into_ave_paper"] if SLOW else []
    unittest.main(argv=sys.argv[:1] + selected, verbosity=2)
