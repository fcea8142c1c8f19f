/**
 * The committed card-line model file and its checksum. Written by `npm run train`
 * (tools/train/pipeline.ts) together with the model: a retrained model comes with its own line here.
 */

/** `card-crnn-v1.onnx`: name, sha256 and size the adapter checks before loading it. */
export const CARD_CRNN_MODEL = {
  name: 'card-crnn-v1.onnx',
  sha256: '51a96f61742996fd1f01c64704698ffb7fdcdbc53a5cbddd032d6ded2747cf13',
  bytes: 1976818,
} as const;
