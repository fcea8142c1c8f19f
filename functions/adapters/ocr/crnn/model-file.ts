/**
 * The committed card-line model file and its checksum. Written by `npm run train`
 * (tools/train/pipeline.ts) together with the model: a retrained model comes with its own line here.
 */

/** `card-crnn-v1.onnx`: name, sha256 and size the adapter checks before loading it. */
export const CARD_CRNN_MODEL = {
  name: 'card-crnn-v1.onnx',
  sha256: 'ae56f674f79cbf6596da912d4328cbafe53a36f3a18702f9d9c0632103d28d70',
  bytes: 1976818,
} as const;
