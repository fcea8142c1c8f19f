/**
 * The committed card-line model file and its checksum. Written by `npm run train`
 * (tools/train/pipeline.ts) together with the model: a retrained model comes with its own line here.
 */

/** `card-crnn-v1.onnx`: name, sha256 and size the adapter checks before loading it. */
export const CARD_CRNN_MODEL = {
  name: 'card-crnn-v1.onnx',
  sha256: '5b2bed64885d3e1f2c475c9a03aee995d958e27c6ec4dfe213cf17672b6453f2',
  bytes: 1976818,
} as const;
