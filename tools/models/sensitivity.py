#!/usr/bin/python3
"""Writes one PP-OCRv4 model per weight tensor with only that tensor rounded to int8 (per channel),
for tools/models/sensitivity.ts to score: which weights must stay float16 in convert-ppocr.py.

    /usr/bin/python3 tools/models/sensitivity.py det|rec OUT_DIR

OUT_DIR gets NAME.onnx per tensor and list.txt (`NAME ELEMENTS` per line). About 45 files of the
model's size (≈ 0.2 GB for det, 0.45 GB for rec): use a scratch folder and delete it after.
"""
import importlib.util
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('convert_ppocr', os.path.join(HERE, 'convert-ppocr.py'))
convert = importlib.util.module_from_spec(spec)
spec.loader.exec_module(convert)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('det', 'rec'):
        sys.exit(__doc__)
    kind, out = sys.argv[1], sys.argv[2]
    name = f'ch_PP-OCRv4_{kind}_infer.onnx'
    model = onnx.load(convert.check_source(name, convert.SOURCES[name]))
    consumers = {}
    for node in model.graph.node:
        for idx, x in enumerate(node.input):
            consumers.setdefault(x, []).append((node.op_type, idx))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'list.txt'), 'w') as listing:
        for node in model.graph.node:
            if node.op_type != 'Constant':
                continue
            axes = {convert.WEIGHT_AXIS.get(u) for u in consumers.get(node.output[0], [])}
            if not axes or None in axes or len(axes) != 1:
                continue
            tensor = node.attribute[0].t
            w = numpy_helper.to_array(tensor)
            if w.dtype != np.float32 or w.size < convert.MIN_ELEMENTS:
                continue
            q, scale = convert.quantize_int8(w, axes.pop())
            original = onnx.TensorProto()
            original.CopyFrom(tensor)
            tensor.CopyFrom(numpy_helper.from_array((q * scale).astype(np.float32), tensor.name))
            onnx.save(model, os.path.join(out, node.output[0] + '.onnx'))
            tensor.CopyFrom(original)
            listing.write(f'{node.output[0]} {w.size}\n')


if __name__ == '__main__':
    main()
