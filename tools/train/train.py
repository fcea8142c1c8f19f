#!/usr/bin/python3
"""Trains the card-line recogniser (card-crnn-v1) on crops from tools/train/make-lines.ts.

Run with Debian's python (apt: python3-torch python3-onnx), not a pyenv one:

    /usr/bin/python3 tools/train/train.py --train .tmp/crnn/train --val .tmp/crnn/val \
        --out functions/adapters/ocr/crnn/card-crnn-v1.onnx --steps 3000

What it does: a small CRNN (5 conv blocks, one BiGRU, CTC) on grey 32-pixel-high crops of any
width (<= 400), fixed seeds, single-threaded (the machine is shared), Adam with warm-up + cosine
(over steps or a wall-clock budget), light online augmentation on top of the renderer's own (width scale, contrast,
inversion, noise, edge jitter); held-out generated validation; export to ONNX with a dynamic
batch and width; a JSON report of per-face / per-role accuracy for the model card.

The model takes pixels in [0, 1] (N, 1, 32, W) and normalises each crop itself (mean/std), so an
adapter only scales bytes; it returns per-frame class probabilities (N, W // 4, 42), class 0 the
CTC blank and class i the character CHARSET[i - 1].
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ /-.'"
HEIGHT = 32
MAX_WIDTH = 400
NUM_CLASSES = len(CHARSET) + 1


def load_lines(folder):
    """Crops and truth written by make-lines.ts (lines.bin + lines.jsonl). A pack still being written
    is read up to its last complete crop."""
    raw = np.fromfile(os.path.join(folder, "lines.bin"), dtype=np.uint8)
    items = []
    with open(os.path.join(folder, "lines.jsonl"), encoding="utf8") as f:
        for line in f:
            if not line.endswith("\n"):
                break
            e = json.loads(line)
            w = e["width"]
            if e["offset"] + w * HEIGHT > raw.size:
                break
            img = raw[e["offset"]: e["offset"] + w * HEIGHT].reshape(HEIGHT, w)
            label = [CHARSET.index(c) + 1 for c in e["text"]]
            items.append({"img": img, "label": label, "text": e["text"], "face": e["face"], "role": e["role"]})
    return items


def load_train(specs):
    """Training packs; `DIR*N` repeats a pack N times (a small pack of detector crops among many rendered ones)."""
    items = []
    for spec in specs:
        folder, _, times = spec.partition("*")
        items.extend(load_lines(folder) * (int(times) if times else 1))
    return items


class CardCRNN(nn.Module):
    """Conv stack (height 32 -> 1, width / 4) + BiGRU + per-frame classifier (~0.5 M parameters)."""

    def __init__(self):
        super().__init__()

        def block(cin, cout, pool):
            layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            if pool:
                layers.append(nn.MaxPool2d(pool))
            return layers

        self.features = nn.Sequential(
            *block(1, 32, (2, 2)),     # 16 x W/2
            *block(32, 64, (2, 2)),    # 8 x W/4
            *block(64, 96, (2, 1)),    # 4 x W/4
            *block(96, 128, (2, 1)),   # 2 x W/4
            nn.Conv2d(128, 192, (2, 1), bias=False),  # 1 x W/4
            nn.BatchNorm2d(192),
            nn.ReLU(inplace=True),
        )
        self.rnn = nn.GRU(192, 128, num_layers=1, bidirectional=True, batch_first=True)
        self.dropout = nn.Dropout(0.15)
        self.fc = nn.Linear(256, NUM_CLASSES)

    def forward(self, x):
        # Per-crop normalisation: the model sees contrast, not the absolute brightness of a face.
        mean = x.mean(dim=(2, 3), keepdim=True)
        std = x.std(dim=(2, 3), keepdim=True)
        x = (x - mean) / (std + 0.05)
        f = self.features(x)                   # N, C, 1, T
        f = f.squeeze(2).permute(0, 2, 1)      # N, T, C
        f, _ = self.rnn(f)
        return self.fc(self.dropout(f))        # N, T, classes (logits)


class Exported(nn.Module):
    """What the ONNX file holds: probabilities instead of logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return torch.softmax(self.model(x), dim=2)


def resize_width(img, new_w):
    """Linear resampling along the width only (numpy; cheap enough per crop)."""
    h, w = img.shape
    if new_w == w:
        return img.astype(np.float32)
    xs = (np.arange(new_w, dtype=np.float32) + 0.5) * (w / new_w) - 0.5
    x0 = np.clip(np.floor(xs).astype(np.int64), 0, w - 1)
    x1 = np.clip(x0 + 1, 0, w - 1)
    t = np.clip(xs - x0, 0, 1)
    a = img[:, x0].astype(np.float32)
    b = img[:, x1].astype(np.float32)
    return a * (1 - t) + b * t


def augment(img, rng):
    """Online augmentation of one crop (float32, 0..255)."""
    h, w = img.shape
    out = img.astype(np.float32)
    # Horizontal scale: fonts wider or narrower than rendered, as detectors rescale boxes.
    if rng.random() < 0.6:
        nw = int(round(w * rng.uniform(0.8, 1.2)))
        out = resize_width(out, max(16, min(MAX_WIDTH, nw)))
    # Edge jitter: a couple of columns more or less on each side.
    if rng.random() < 0.5:
        l = rng.randint(-3, 3)
        r = rng.randint(-3, 3)
        if l > 0:
            out = np.pad(out, ((0, 0), (l, 0)), mode="edge")
        elif l < 0 and out.shape[1] > 24:
            out = out[:, -l:]
        if r > 0:
            out = np.pad(out, ((0, 0), (0, r)), mode="edge")
        elif r < 0 and out.shape[1] > 24:
            out = out[:, : out.shape[1] + r]
    # Contrast and brightness.
    if rng.random() < 0.6:
        c = rng.uniform(0.5, 1.3)
        m = out.mean()
        out = (out - m) * c + m + rng.uniform(-40, 40)
    if rng.random() < 0.15:
        out = 255.0 - out
    if rng.random() < 0.3:
        out = out + np.random.normal(0, rng.uniform(2, 12), out.shape).astype(np.float32)
    return np.clip(out, 0, 255)


def make_batch(items, train, rng):
    imgs = [augment(it["img"], rng) if train else it["img"].astype(np.float32) for it in items]
    width = max(im.shape[1] for im in imgs)
    width = min(MAX_WIDTH, int(math.ceil(width / 4) * 4))
    x = np.zeros((len(imgs), 1, HEIGHT, width), dtype=np.float32)
    for i, im in enumerate(imgs):
        im = im[:, :width]
        # Pad with the crop's own edge: no black bars that a real single crop would never have.
        x[i, 0] = np.pad(im, ((0, 0), (0, width - im.shape[1])), mode="edge")
    x /= 255.0
    labels = [it["label"] for it in items]
    targets = torch.tensor([c for l in labels for c in l], dtype=torch.long)
    lengths = torch.tensor([len(l) for l in labels], dtype=torch.long)
    return torch.from_numpy(x), targets, lengths


def batches(items, batch_size, rng):
    """Shuffled batches of similar width (less padding, less wasted compute)."""
    order = list(range(len(items)))
    rng.shuffle(order)
    chunk = batch_size * 16
    out = []
    for s in range(0, len(order), chunk):
        part = sorted(order[s: s + chunk], key=lambda i: items[i]["img"].shape[1])
        out.extend(part[k: k + batch_size] for k in range(0, len(part), batch_size))
    rng.shuffle(out)
    return out


def greedy(probs):
    """CTC greedy decode of (T, C) probabilities -> text, per-char confidences."""
    best = probs.argmax(axis=1)
    text, confs, prev = [], [], 0
    for t, c in enumerate(best):
        if c != 0 and c != prev:
            text.append(CHARSET[c - 1])
            confs.append(float(probs[t, c]))
        prev = c
    return "".join(text), confs


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def evaluate(model, items, batch_size=64):
    model.eval()
    groups = {}
    with torch.no_grad():
        order = sorted(range(len(items)), key=lambda i: items[i]["img"].shape[1])
        for s in range(0, len(order), batch_size):
            part = [items[i] for i in order[s: s + batch_size]]
            x, _, _ = make_batch(part, False, None)
            probs = torch.softmax(model(x), dim=2).numpy()
            for it, p in zip(part, probs):
                # Each crop is decoded over its own frames only (as a single crop at inference).
                frames = it["img"].shape[1] // 4
                text, _ = greedy(p[:frames])
                d = edit_distance(text, it["text"])
                for key in ("all", "face:" + it["face"], "role:" + it["role"]):
                    g = groups.setdefault(key, {"lines": 0, "exact": 0, "chars": 0, "errors": 0})
                    g["lines"] += 1
                    g["exact"] += int(text == it["text"])
                    g["chars"] += len(it["text"])
                    g["errors"] += d
    model.train()
    return {
        k: {"lines": g["lines"], "line_acc": g["exact"] / g["lines"], "char_acc": max(0.0, 1 - g["errors"] / max(1, g["chars"]))}
        for k, g in sorted(groups.items())
    }


def export(model, out, report, report_path):
    """ONNX with a dynamic batch and width, plus the JSON report beside it."""
    model.eval()
    dummy = torch.rand(1, 1, HEIGHT, 160)
    torch.onnx.export(
        Exported(model), dummy, out, input_names=["x"], output_names=["probs"],
        dynamic_axes={"x": {0: "batch", 3: "width"}, "probs": {0: "batch", 1: "frames"}}, opset_version=13,
    )
    report["onnx_bytes"] = os.path.getsize(out)
    print(json.dumps(report, indent=1), flush=True)
    with open(report_path or (out + ".report.json"), "w", encoding="utf8") as f:
        json.dump(report, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True, nargs="+")
    ap.add_argument("--val", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", default=None)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--minutes", type=float, default=0, help="wall-clock budget; overrides --steps when > 0")
    ap.add_argument("--export-only", action="store_true", help="evaluate and export --init without training")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--init", default=None, help="start from a saved state_dict (.pt)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    rng = random.Random(args.seed)

    t_load = time.time()
    train = load_train(args.train)
    val = load_lines(args.val)
    print(f"train {len(train)} crops, val {len(val)} crops (loaded in {time.time() - t_load:.1f} s)", flush=True)

    model = CardCRNN()
    if args.init:
        model.load_state_dict(torch.load(args.init))
    params = sum(p.numel() for p in model.parameters())
    print(f"model: {params} parameters", flush=True)
    if args.export_only:
        model.eval()
        report = {"params": params, "val_crops": len(val), "val": evaluate(model, val)}
        export(model, args.out, report, args.report)
        return
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)

    def lr_at(frac):
        # Short warm-up, then cosine down to 1/200 of the peak. `frac` is the share of the budget used:
        # of the steps, or of the wall-clock minutes when --minutes is given (the machine is shared, so
        # a time budget is what keeps the recipe inside its hour).
        if frac < 0.04:
            return args.lr * (0.1 + 0.9 * frac / 0.04)
        f = min(1.0, (frac - 0.04) / 0.96)
        return args.lr * (0.005 + 0.995 * 0.5 * (1 + math.cos(math.pi * f)))

    step = 0
    t0 = time.time()
    running = None
    val_quick = val[:400]
    budget_s = args.minutes * 60.0
    done = False
    while not done:
        # Packs may still be growing (make-lines writes as it renders): take what is there each epoch.
        grown = load_train(args.train)
        if len(grown) > len(train):
            print(f"train set grew to {len(grown)} crops", flush=True)
            train = grown
        if len(train) < args.batch:
            # The pack is still being started by the renderer: wait for crops (the budget runs on).
            time.sleep(2)
            done = (time.time() - t0) >= budget_s > 0
            continue
        for idx in batches(train, args.batch, rng):
            frac = (time.time() - t0) / budget_s if budget_s > 0 else step / args.steps
            if frac >= 1.0:
                done = True
                break
            for g in opt.param_groups:
                g["lr"] = lr_at(frac)
            x, targets, lengths = make_batch([train[i] for i in idx], True, rng)
            logits = model(x)                                   # N, T, C
            logp = F.log_softmax(logits, dim=2).permute(1, 0, 2)  # T, N, C
            in_lens = torch.full((x.shape[0],), logp.shape[0], dtype=torch.long)
            loss = ctc(logp, targets, in_lens, lengths)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
            if step % 50 == 0:
                el = time.time() - t0
                print(f"step {step} loss {running:.3f} lr {opt.param_groups[0]['lr']:.2e} {el / step:.2f} s/step {el / 60:.1f} min", flush=True)
            if step % 400 == 0:
                m = evaluate(model, val_quick)["all"]
                print(f"  val@{step}: char {m['char_acc']:.4f} line {m['line_acc']:.4f}", flush=True)
                torch.save(model.state_dict(), args.out + ".pt")
    train_s = time.time() - t0
    torch.save(model.state_dict(), args.out + ".pt")

    model.eval()
    report = {
        "params": params,
        "steps": step,
        "batch": args.batch,
        "train_crops": len(train),
        "val_crops": len(val),
        "train_seconds": round(train_s, 1),
        "threads": args.threads,
        "val": evaluate(model, val),
    }
    export(model, args.out, report, args.report)

if __name__ == "__main__":
    main()
