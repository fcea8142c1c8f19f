#!/usr/bin/python3
"""Stores the card-line CRNN's weights as float16 (compute stays float32).

    /usr/bin/python3 tools/models/convert-crnn.py [SRC] [--out DST]

SRC is the float32 ONNX export that `npm run train` writes (tools/train/train.py; the pipeline
installs it as functions/adapters/ocr/crnn/card-crnn-v1.onnx and keeps it in .tmp/crnn/). Its
sha256 is checked against TRAINED_FP32 below, so the output is a function of the trained model
(the float32 file of this model is also in git: commit f69216f). DST defaults to
functions/adapters/ocr/crnn/card-crnn-v1.onnx; when it is that file, model-file.ts is rewritten
with the new sha256 and size. Deterministic: the same input gives the same bytes.

What changes: every float32 initialiser of >= 1024 elements (the 5 conv kernels, the GRU's input
and recurrent weights, the output layer's MatMul weight: 99 % of the 492,874 parameters) becomes
    initialiser(float16) -> Cast(to float)
under its old name, so every consumer sees a float32 tensor. onnxruntime folds the Casts into
float32 initialisers when the session is created, so the run graph is the trained one with
weights rounded to float16 (same speed). Biases and the GRU's bias vector stay float32.

Why float16 and not int8: the file is 1.98 MB float32 (1.83 MB zipped); float16 halves it, which
is what the read Lambda asset needed to get under 30,000,000 bytes zipped, and rounding to float16
(11-bit mantissa) changes the per-frame probabilities by ~1e-3 (tools/models/compare-crnn.ts).

Needs Debian's python3-onnx and numpy (as tools/train/train.py does).
"""
import argparse
import hashlib
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
CRNN_DIR = os.path.join(ROOT, 'functions', 'adapters', 'ocr', 'crnn')
DEFAULT_DST = os.path.join(CRNN_DIR, 'card-crnn-v1.onnx')
DEFAULT_SRC = os.path.join(ROOT, '.tmp', 'crnn', 'card-crnn-v1.onnx')

# The float32 export of the model this converter was run on (`npm run train`, commit f69216f).
# A retrained model has another sha256: pass --any-source to convert it, then put its sha256 here.
TRAINED_FP32 = '5b2bed64885d3e1f2c475c9a03aee995d958e27c6ec4dfe213cf17672b6453f2'

MIN_ELEMENTS = 1024
LABEL = 'fp16-weights'


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


def convert(model):
    graph = model.graph
    if any(n.op_type == 'Cast' and n.output[0] in {i.name for i in graph.initializer} for n in graph.node) or model.producer_version == LABEL:
        sys.exit('the source is already converted (its weights are float16): pass the float32 export of `npm run train`')
    cast_nodes = []
    kept = []
    converted = 0
    for init in graph.initializer:
        w = numpy_helper.to_array(init)
        if init.data_type != TensorProto.FLOAT or w.size < MIN_ELEMENTS:
            kept.append(init)
            continue
        stored = init.name + '__fp16'
        kept.append(numpy_helper.from_array(w.astype(np.float16), stored))
        cast_nodes.append(helper.make_node('Cast', [stored], [init.name], to=TensorProto.FLOAT, name=init.name + '__cast'))
        converted += 1
    # An initialiser listed as a graph input (older IR) must go from the inputs once it is a Cast output.
    names = {n.output[0] for n in cast_nodes}
    inputs = [i for i in graph.input if i.name not in names]
    del graph.input[:]
    graph.input.extend(inputs)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(cast_nodes + nodes)
    return converted


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', nargs='?', default=DEFAULT_SRC)
    parser.add_argument('--out', default=DEFAULT_DST)
    parser.add_argument('--any-source', action='store_true', help='convert a float32 export other than TRAINED_FP32')
    args = parser.parse_args()
    if not os.path.exists(args.src):
        sys.exit(f'{args.src} is missing: expected the float32 export of `npm run train` (or `git show f69216f:functions/adapters/ocr/crnn/card-crnn-v1.onnx > FILE`).')
    with open(args.src, 'rb') as f:
        data = f.read()
    digest_in = sha256_of(data)
    if digest_in != TRAINED_FP32 and not args.any_source:
        sys.exit(f'{args.src}: expected the trained float32 export (sha256 {TRAINED_FP32}), found {digest_in}. '
                 'For a retrained model pass --any-source and update TRAINED_FP32.')
    model = onnx.load_from_string(data)
    n = convert(model)
    model.producer_name = 'card-ocr-pipeline tools/models/convert-crnn.py'
    model.producer_version = LABEL
    # The model's name is its file's (card-crnn-v2.onnx -> card-crnn-v2), so a retrained model is not described as the old one.
    model.doc_string = (f'{os.path.splitext(os.path.basename(args.out))[0]} (tools/train/train.py float32 export, sha256 {digest_in}); '
                        'weights stored as float16 + Cast to float by tools/models/convert-crnn.py; compute float32.')
    onnx.checker.check_model(model)
    out = model.SerializeToString()
    with open(args.out, 'wb') as f:
        f.write(out)
    digest = sha256_of(out)
    print(f'{os.path.basename(args.out)}: {n} weight tensors to float16, {len(data)} B -> {len(out)} B, sha256 {digest}')
    if os.path.normpath(args.out) == os.path.normpath(DEFAULT_DST):
        with open(os.path.join(CRNN_DIR, 'model-file.ts'), 'w') as f:
            f.write(MODEL_FILE.format(sha256=digest, bytes=len(out), src=digest_in))


MODEL_FILE = """/**
 * The committed card-line model file and its checksum. `npm run train` (tools/train/pipeline.ts)
 * writes the float32 export and this file; tools/models/convert-crnn.py then stores the weights as
 * float16 (compute float32) and rewrites this file: a retrained model comes with its own line here.
 */

/** `card-crnn-v1.onnx`: name, sha256 and size the adapter checks before loading it. */
export const CARD_CRNN_MODEL = {{
  name: 'card-crnn-v1.onnx',
  sha256: '{sha256}',
  bytes: {bytes},
}} as const;
// Converted from the float32 export (tools/train/train.py) with sha256 {src}.
"""


if __name__ == '__main__':
    main()
