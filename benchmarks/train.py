"""Training throughput (images/s at batch 256): our fit loop vs a re-creation of the paper's code.

The baseline re-creates the design the paper's own training code uses (written here from its
description, not copied):
  - a torch Dataset reading one PNG crop per sample with cv2.imread (DataLoader, num_workers=0);
  - the image label re-rendered with PIL for every sample: the TTF font loaded per character, glyphs
    drawn at hard-coded positions on a 2x canvas, then a bicubic downsample;
  - LPRNet with `nn.MaxPool3d` over channels and the batch-wide context normalisation;
  - two full forward/backward passes per batch (MSE step, then CTC step), both heads computed each time.
Ours: in-memory uint8 tensors from shards (align + render-labels run once on the same crops), batches
by index_select, each pass computing only the head its loss needs (`lprtrain.train.loop`), channels_last,
a dropout mask drawn 7 bytes per random number, and freed memory kept by malloc (`lprtrain.train.allocator`).

Each mode is also set against this machine's fp32 ceiling (`benchmarks/ceiling.py`): its FLOPs per
image (counted by torch, backward included) over the best rate of a large matmul or convolution,
measured in the same run, and the rate its own convolutions alone would allow. That says whether a
target ratio can be met on this hardware at all.

    .venv/bin/python benchmarks/train.py            # ~8 minutes on a 2-core CPU
    .venv/bin/python benchmarks/train.py --modes off --batches 2 --no-ceiling   # bf16 vs fp32, short

The baseline is timed twice: as shipped, and with the same allocator setting ours uses, so the ratio
that comes from our code rather than from malloc's settings is visible. bf16 rows (autocast forward
passes, `lprtrain.train.precision`) run only where the CPU has AVX512-BF16 or AMX.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont
from torch import nn
from torch.utils.data import DataLoader, Dataset

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.ceiling import (  # noqa: E402
    HEADER,
    ceiling_row,
    conv_seconds,
    flops_per_item,
    fp32_peak_gflops,
    prefault_heap,
)
from benchmarks.machine import describe  # noqa: E402
from lprtrain.data.plate_data import load_data  # noqa: E402
from lprtrain.model.lprnet import (  # noqa: E402
    CONTEXT_TAP_CHANNELS,
    ModelConfig,
    SmallBasicBlock,
    TrainingModel,
    UpsamplingDecoder,
)
from lprtrain.model.preprocess import preprocess  # noqa: E402
from lprtrain.train.allocator import keep_freed_memory  # noqa: E402
from lprtrain.train.loop import Batch, TrainTensors, train_step  # noqa: E402
from lprtrain.train.precision import autocast_for, has_bf16  # noqa: E402
from plategen.align.stage import align_images  # noqa: E402
from plategen.data import load_samples  # noqa: E402
from plategen.data.ccpd import CCPD_CHARSET  # noqa: E402
from plategen.labels.stage import render_labels  # noqa: E402
from plategen.plates.fonts import default_font_path  # noqa: E402

CROPS = REPO.parent / "shared" / "data" / "plate-crops"
W, H = 94, 24
BLANK = len(CCPD_CHARSET)
# the paper's code hard-codes where each glyph goes on its 2x canvas (x of each character's left edge)
GLYPH_X = [6, 30, 62, 86, 110, 134, 158, 180]


# ---------------------------------------------------------------- the baseline (paper-style) ----


def render_label_pil(text: str, font_path: str) -> np.ndarray:
    """Per sample: load the font for every character, draw on a 2x canvas, bicubic downsample."""
    canvas = Image.new("L", (2 * W, 2 * H), 0)
    draw = ImageDraw.Draw(canvas)
    for i, ch in enumerate(text):
        font = ImageFont.truetype(font_path, 28 if i == 0 else 36)  # the province glyph is smaller
        draw.text((GLYPH_X[i], 8 if i == 0 else 4), ch, fill=255, font=font)
    return np.asarray(canvas.resize((W, H), Image.BICUBIC), dtype=np.float32) / 255.0


class PaperDataset(Dataset):
    def __init__(self, files: list[tuple[str, str]], length: int, font_path: str) -> None:
        self.files, self.length, self.font_path = files, length, font_path
        self.index = {c: i for i, c in enumerate(CCPD_CHARSET)}

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int):
        path, text = self.files[i % len(self.files)]
        x = preprocess([cv2.imread(path)], (W, H))[0]  # per sample, as the paper's dataset class reads
        label = render_label_pil(text, self.font_path)[None]
        return x, torch.from_numpy(label), [self.index[c] for c in text]


def collate(items):
    xs, labels, targets = zip(*items)
    lengths = torch.tensor([len(t) for t in targets])
    return torch.stack(xs), torch.stack(labels), torch.tensor([c for t in targets for c in t]), lengths


class PaperLPRNet(nn.Module):
    """The same layers as LPRNet_Pytorch, with its MaxPool3d over channels, plus the decoder."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool3d((1, 3, 3), stride=(1, 1, 1)),
            SmallBasicBlock(64, 128),
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.MaxPool3d((1, 3, 3), stride=(2, 1, 2)),
            SmallBasicBlock(64, 256),
            nn.BatchNorm2d(256),
            nn.ReLU(),
            SmallBasicBlock(256, 256),
            nn.BatchNorm2d(256),
            nn.ReLU(),
            nn.MaxPool3d((1, 3, 3), stride=(4, 1, 2)),
            nn.Dropout(0.5),
            nn.Conv2d(64, 256, (1, 4)),
            nn.BatchNorm2d(256),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Conv2d(256, classes, (13, 1)),
            nn.BatchNorm2d(classes),
            nn.ReLU(),
        )
        self.container = nn.Conv2d(CONTEXT_TAP_CHANNELS + classes, classes, 1)
        self.decoder = UpsamplingDecoder(CONTEXT_TAP_CHANNELS + classes, (W, H))

    def forward(self, x):
        taps = []
        for i, layer in enumerate(self.backbone):
            x = layer(x)
            if i in (2, 6, 13, 22):
                taps.append(x)
        taps[0] = F.avg_pool2d(taps[0], 5, 5)
        taps[1] = F.avg_pool2d(taps[1], 5, 5)
        taps[2] = F.avg_pool2d(taps[2], (4, 10), (4, 2))
        context = torch.cat([f / f.pow(2).mean() for f in taps], dim=1)
        return self.container(context).mean(dim=2), self.decoder(context)


def paper_step(model, opt, batch) -> None:
    x, label, targets, lengths = batch
    logits, pred = model(x)  # pass 1: full forward, MSE step
    opt.zero_grad()
    F.mse_loss(pred, label).backward()
    opt.step()
    logits, pred = model(x)  # pass 2: full forward, CTC step
    log_probs = logits.permute(2, 0, 1).log_softmax(2)
    loss = F.ctc_loss(log_probs, targets, torch.full((len(x),), log_probs.shape[0]), lengths, blank=BLANK)
    opt.zero_grad()
    loss.backward()
    opt.step()


def baseline_model_and_opt() -> tuple[nn.Module, torch.optim.Optimizer]:
    model = PaperLPRNet(BLANK + 1).train()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=2e-5)


def time_baseline(files, font_path: str, batch: int, batches: int) -> float:
    model, opt = baseline_model_and_opt()
    warm = DataLoader(PaperDataset(files, 32, font_path), batch_size=32, collate_fn=collate, num_workers=0)
    paper_step(model, opt, next(iter(warm)))  # warm-up, not timed
    loader = DataLoader(
        PaperDataset(files, batch * batches, font_path),
        batch_size=batch,
        shuffle=True,
        collate_fn=collate,
        num_workers=0,
    )
    start = time.perf_counter()
    for b in loader:
        paper_step(model, opt, b)
    return batch * batches / (time.perf_counter() - start)


# ------------------------------------------------------------------------------------- ours ----


def ours(
    shards: Path, aux: str, channels_last: bool, precision: str = "fp32"
) -> tuple[Callable[[int], Batch], Callable[[Batch], None]]:
    """(draw, step) for our fit loop: draw(n) slices n random samples from the in-memory tensors as
    `fit` does; step(b) runs one `aux` training step on b, forward passes in `precision`."""
    keep_freed_memory()  # as `fit` does; process-wide, which is why the baseline is timed first
    data = load_data(shards)  # the crop folder is one split ("test")
    tensors = TrainTensors(
        data.images, data.labels, data.texts, CCPD_CHARSET, torch.device("cpu"), channels_last
    )
    torch.manual_seed(0)
    mc = ModelConfig()
    heads = TrainingModel(mc, (W, H)).train()
    if channels_last:
        heads = heads.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(heads.parameters(), lr=1e-3, weight_decay=2e-5)
    gen = torch.Generator().manual_seed(0)
    check = lambda named: {k: float(v.detach()) for k, v in named.items()}  # noqa: E731

    def draw(n: int) -> Batch:
        return tensors.batch(torch.randint(len(tensors), (n,), generator=gen))

    autocast = autocast_for(precision, torch.device("cpu"))
    return draw, lambda b: train_step(heads, opt, b, aux, 1.0, BLANK, check, autocast)


def time_ours(draw: Callable[[int], Batch], step: Callable[[Batch], None], batch: int, batches: int) -> float:
    """Images/s of `batches` training steps, each on a fresh batch."""
    step(draw(32))  # warm-up
    start = time.perf_counter()
    for _ in range(batches):
        step(draw(batch))
    return batch * batches / (time.perf_counter() - start)


def conv_bound(draw: Callable[[int], Batch], step: Callable[[Batch], None], batch: int) -> float:
    """Images/s if a step took only the time of its convolutions (fault-free profiled steps)."""
    prefault_heap()
    b = draw(batch)
    for _ in range(2):
        step(b)
    return batch / conv_seconds(lambda: step(b))


def prepare(tmp: Path) -> tuple[list[tuple[str, str]], Path]:
    """PNG copies of the real crops for the baseline; shards of the same crops for ours."""
    samples = load_samples(CROPS)
    files = []
    for i, s in enumerate(samples):
        path = tmp / "png" / f"{i:04d}.png"  # ASCII names: cv2.imread cannot open CJK paths
        path.parent.mkdir(exist_ok=True)
        cv2.imwrite(str(path), cv2.imdecode(np.fromfile(s.path, np.uint8), cv2.IMREAD_COLOR))
        files.append((str(path), s.text))
    align_images(CROPS, workers=1, progress=False).alignment.save(tmp / "alignment.json")
    render_labels(CROPS, tmp / "alignment.json", tmp / "shards", progress=False)
    return files, tmp / "shards"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--baseline-batches", type=int, default=2)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--modes", default="alternate,joint,off", help="comma-separated --aux schedules")
    parser.add_argument(
        "--precision", default="fp32,bf16", help="comma-separated; bf16 is skipped where it isn't native"
    )
    parser.add_argument("--no-ceiling", dest="ceiling", action="store_false", help="skip the fp32 ceiling")
    parser.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    args = parser.parse_args()
    if not CROPS.is_dir():
        sys.exit(f"real crops not found: {CROPS}")
    torch.set_num_threads(args.threads)
    print(describe(args.threads), flush=True)
    precisions = [p for p in args.precision.split(",") if p == "fp32" or has_bf16(torch.device("cpu"))]
    # the targets against the baseline as shipped, at batch 256 on a bf16-capable CPU
    targets = {m: {"alternate": 4, "joint": 6}.get(m) for m in args.modes.split(",")}
    with tempfile.TemporaryDirectory() as tmp:
        files, shards = prepare(Path(tmp))
        font = str(default_font_path())
        # the allocator setting is process-wide and one-way: the baseline as shipped must come first
        shipped = time_baseline(files, font, args.batch, args.baseline_batches)
        print(f"baseline (paper-style, alternate), as shipped:        {shipped:8.1f} img/s", flush=True)
        keep_freed_memory()
        base = time_baseline(files, font, args.batch, args.baseline_batches)
        print(f"baseline, with our allocator setting (keep_freed_memory): {base:8.1f} img/s", flush=True)
        runs, measured = {}, {}
        for precision in precisions:
            for aux, target in targets.items():
                runs[aux, precision] = ours(shards, aux, args.channels_last, precision)
                v = measured[aux, precision] = time_ours(*runs[aux, precision], args.batch, args.batches)
                goal = f"(target >= {target}x)" if target else "(for reference)"
                fp32 = measured.get((aux, "fp32"))
                vs_fp32 = f"   {v / fp32:4.2f}x fp32" if precision != "fp32" and fp32 else ""
                print(
                    f"ours {aux:<9} {precision:<4}: {v:8.1f} img/s  {v / shipped:5.1f}x baseline as shipped  "
                    f"{v / base:5.1f}x baseline with our allocator   {goal}{vs_fp32}",
                    flush=True,
                )
        print(describe(args.threads), flush=True)
        if args.ceiling:
            print_ceiling(files, font, runs, measured, base, targets, args)


def print_ceiling(files, font, runs, measured, base, targets, args) -> None:
    peak = fp32_peak_gflops()
    print(
        f"\nthis machine's fp32 peak: {peak:.1f} GFLOP/s (best of a 2048^3 matmul and a 3x3 conv, "
        f"{args.threads} threads); what each fp32 step's work allows:\n{HEADER}"
    )
    base_flops = flops_per_item(
        lambda: paper_step(
            *baseline_model_and_opt(),
            next(iter(DataLoader(PaperDataset(files, 8, font), batch_size=8, collate_fn=collate))),
        ),
        8,
    )
    print(ceiling_row("baseline", base_flops, peak, base, base))
    for aux, target in targets.items():
        draw, step = runs[aux, "fp32"]
        flops = flops_per_item(lambda step=step, draw=draw: step(draw(8)), 8)
        print(
            ceiling_row(
                aux, flops, peak, measured[aux, "fp32"], base, conv_bound(draw, step, args.batch), target
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
