/**
 * The committed card-line model file and its checksum. `npm run train` (tools/train/pipeline.ts)
 * writes the float32 export and this file; tools/models/convert-crnn.py then stores the weights as
 * float16 (compute float32) and rewrites this file: a retrained model comes with its own line here.
 */

/** `card-crnn-v1.onnx`: name, sha256 and size the adapter checks before loading it. */
export const CARD_CRNN_MODEL = {
  name: 'card-crnn-v1.onnx',
  sha256: '0b1228a7284630f66cad4f0dbbe9428a07bbd90141dcf25c5fc7f6f43d8a1465',
  bytes: 994719,
} as const;
// Converted from the float32 export (tools/train/train.py) with sha256 5b2bed64885d3e1f2c475c9a03aee995d958e27c6ec4dfe213cf17672b6453f2.
