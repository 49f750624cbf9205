"""LPRNet in the layout of the widely used LPRNet_Pytorch code, plus the paper's upsampling decoder.

State-dict keys match that layout (`backbone.N.*`, `container.0.*`), so its pretrained files load as
they are. Its `MaxPool3d` over channels is replaced by an equivalent channel stride + 2-D max pool,
which exports to ONNX and runs faster (tests prove identical outputs).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from plategen.config import INPUT_SIZE
from plategen.errors import reject_unknown_keys
from plategen.plates.grammar import PLATE_CHARSET

from ..errors import ConfigError

# The 68-class charset of LPRNet_Pytorch (blank "-" last), used for imported weights.
LPRNET_PYTORCH_CHARSET = (
    "京沪津渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新0123456789ABCDEFGHJKLMNPQRSTUVWXYZIO"
)
TAPS = (2, 6, 13, 22)  # backbone outputs that feed the global context
DECODERS = ("ours", "paper")
CONTEXT_NORMS = ("sample", "batch")  # per plate, or over the batch as the paper code
CONTEXT_TAP_CHANNELS = 64 + 128 + 256  # taps 2, 6 and 13; tap 22 adds one channel per class


@dataclass(frozen=True)
class ModelConfig:
    """What defines an LPRNet: charset (the CTC blank is appended as the last class) and input size."""

    charset: str = PLATE_CHARSET  # every kind: 31 provinces, 24 letters, 10 digits, 警学港澳使领挂
    input_size: tuple[int, int] = INPUT_SIZE  # (W, H)
    dropout: float = 0.5
    # LPRNet_Pytorch scales each context map by the mean of its square over the whole *batch*
    # ("batch"); "sample" does it per image, so a plate's reading doesn't depend on its batch-mates.
    context_norm: str = "sample"
    # Narrow on purpose: at (128, 64, 32) the decoder costs about as many FLOPs as LPRNet itself
    # (alternate steps measured 3.2× slower than off on CPU); (64, 32, 16) costs ~40% of that (2.2×).
    decoder_channels: tuple[int, int, int] = (64, 32, 16)
    # "ours": the narrow decoder above (BN, sigmoid output); "paper": the paper code's own (see PaperDecoder)
    decoder: str = "ours"

    def __post_init__(self) -> None:
        if len(set(self.charset)) != len(self.charset) or not self.charset:
            raise ConfigError(f"charset: must be non-empty with no repeats, got {self.charset!r}")
        w, h = self.input_size
        if w < 40 or h < 22:
            raise ConfigError(f"input_size: {w}x{h} is too small for LPRNet (min 40x22)")
        if self.context_norm not in CONTEXT_NORMS:
            raise ConfigError(
                f"context_norm: expected one of {', '.join(CONTEXT_NORMS)}, got {self.context_norm!r}"
            )
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout: expected 0 <= dropout < 1, got {self.dropout}")
        if self.decoder not in DECODERS:
            raise ConfigError(f"decoder: expected one of {', '.join(DECODERS)}, got {self.decoder!r}")

    @property
    def num_classes(self) -> int:
        return len(self.charset) + 1

    @property
    def blank(self) -> int:
        return len(self.charset)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        """The config `to_dict` wrote. Raises ConfigError naming a key this version does not know
        (a typo, or a file from a newer version) and, from __post_init__, a bad value."""
        reject_unknown_keys(cls, d)
        d = dict(d)
        for key in ("input_size", "decoder_channels"):
            if key in d:
                d[key] = tuple(d[key])
        return cls(**d)


class ChannelStridePool(nn.Module):
    """Equals LPRNet_Pytorch's `MaxPool3d((1, 3, 3), stride=(c, 1, w))` on a 4-D tensor, which treats
    channels as depth: keep every c-th channel, then a 3×3 max pool with stride (1, w)."""

    def __init__(self, channel_stride: int, width_stride: int) -> None:
        super().__init__()
        self.channel_stride, self.width_stride = channel_stride, width_stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channel_stride > 1:
            x = x[:, :: self.channel_stride]
        return F.max_pool2d(x, kernel_size=3, stride=(1, self.width_stride))


class Dropout(nn.Module):
    """`nn.Dropout` with a cheaper mask on CPU. torch draws a Bernoulli mask one 64-bit random number
    per element (0.3 s for the 19M activations LPRNet drops at batch 256: a tenth of a training step);
    here each 64-bit draw yields 7 random bytes and an element is kept when its byte is ≥ 256·p. That
    is exact Bernoulli(1 − p) whenever 256·p is a whole number (the paper's 0.5); other rates, and
    other devices, use `F.dropout`. Same RNG (torch's), so seeding and resuming work as before."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        threshold = self.p * 256
        if x.device.type != "cpu" or threshold != int(threshold):
            return F.dropout(x, self.p, training=True)
        n = x.numel()
        words = torch.empty((n + 6) // 7, dtype=torch.int64).random_(0, 2**56)  # 7 random bytes each
        keep_bytes = slice(0, 7) if sys.byteorder == "little" else slice(1, 8)  # the 8th byte is always 0
        noise = words.view(torch.uint8).view(-1, 8)[:, keep_bytes].reshape(-1)[:n]
        mask = noise.ge(int(threshold)).to(x.dtype).mul_(1 / (1 - self.p))
        if x.is_contiguous(memory_format=torch.channels_last) and x.dim() == 4:
            b, c, h, w = x.shape  # iid noise: any layout will do; match x's so the multiply is a stream
            mask = mask.view(b, h, w, c).permute(0, 3, 1, 2)
        else:
            mask = mask.view(x.shape)
        return x * mask

    def extra_repr(self) -> str:
        return f"p={self.p}"


class SmallBasicBlock(nn.Module):
    def __init__(self, ch_in: int, ch_out: int) -> None:
        super().__init__()
        mid = ch_out // 4
        self.block = nn.Sequential(
            nn.Conv2d(ch_in, mid, kernel_size=1),
            nn.ReLU(),
            nn.Conv2d(mid, mid, kernel_size=(3, 1), padding=(1, 0)),
            nn.ReLU(),
            nn.Conv2d(mid, mid, kernel_size=(1, 3), padding=(0, 1)),
            nn.ReLU(),
            nn.Conv2d(mid, ch_out, kernel_size=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


def _backbone(num_classes: int, dropout: float) -> nn.Sequential:
    # Indices matter: they are the state-dict keys of LPRNet_Pytorch checkpoints.
    return nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=3, stride=1),  # 0
        nn.BatchNorm2d(64),
        nn.ReLU(),  # 2 (tap)
        ChannelStridePool(1, 1),
        SmallBasicBlock(64, 128),  # 4
        nn.BatchNorm2d(128),
        nn.ReLU(),  # 6 (tap)
        ChannelStridePool(2, 2),
        SmallBasicBlock(64, 256),  # 8
        nn.BatchNorm2d(256),
        nn.ReLU(),
        SmallBasicBlock(256, 256),  # 11
        nn.BatchNorm2d(256),
        nn.ReLU(),  # 13 (tap)
        ChannelStridePool(4, 2),
        Dropout(dropout),
        nn.Conv2d(64, 256, kernel_size=(1, 4), stride=1),  # 16
        nn.BatchNorm2d(256),
        nn.ReLU(),
        Dropout(dropout),
        nn.Conv2d(256, num_classes, kernel_size=(13, 1), stride=1),  # 20
        nn.BatchNorm2d(num_classes),
        nn.ReLU(),  # 22 (tap)
    )


class LPRNet(nn.Module):
    """The deployable recognizer: (B, 3, H, W) normalised BGR → logits (B, classes, T)."""

    def __init__(self, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        self.config = config
        c = config.num_classes
        self.backbone = _backbone(c, config.dropout)
        self.container = nn.Sequential(nn.Conv2d(self.context_channels, c, kernel_size=1))

    @property
    def context_channels(self) -> int:
        """Channels of the global-context map: the taps' 64 + 128 + 256, plus one per class."""
        return CONTEXT_TAP_CHANNELS + self.config.num_classes

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The global-context map both heads read: (B, context_channels, 4, T)."""
        taps = []
        for i, layer in enumerate(self.backbone):
            x = layer(x)
            if i in TAPS:
                taps.append(x)
        size = taps[3].shape[-2:]  # (4, T)
        taps[0] = F.avg_pool2d(taps[0], kernel_size=5, stride=5)  # (B, 64, 4, T)
        taps[1] = F.avg_pool2d(taps[1], kernel_size=5, stride=5)  # (B, 128, 4, T)
        taps[2] = F.avg_pool2d(taps[2], kernel_size=(4, 10), stride=(4, 2))  # (B, 256, 4, T)
        context = []
        for f in taps:
            if f.shape[-2:] != size:  # input sizes other than 94×24: bring every map onto (4, T)
                f = F.adaptive_avg_pool2d(f, size)
            if self.config.context_norm == "batch":
                scale = f.pow(2).mean()
            else:
                scale = f.pow(2).mean(dim=(1, 2, 3), keepdim=True)
            context.append(f / scale)
        return torch.cat(context, dim=1)

    def head(self, context: torch.Tensor) -> torch.Tensor:
        return self.container(context).mean(dim=2)  # (B, classes, T)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class UpsamplingDecoder(nn.Module):
    """The paper's auxiliary head: three transposed convs and a 1×1 projection, redrawing the image
    label from the global-context map. Training only; never exported."""

    def __init__(
        self, in_channels: int, label_size: tuple[int, int], channels: tuple[int, int, int] = (64, 32, 16)
    ) -> None:
        super().__init__()
        self.label_size = label_size  # (W, H)
        layers, c_in = [], in_channels
        for c_out in channels:
            # kernel 4, stride 2, padding 1 doubles H and W exactly: (4, 18) → (32, 144)
            layers += [
                nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1),
                nn.BatchNorm2d(c_out),
                nn.ReLU(),
            ]
            c_in = c_out
        self.up = nn.Sequential(*layers)
        self.project = nn.Conv2d(c_in, 1, kernel_size=1)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        x = self.project(self.up(context))  # (B, 1, 8·4, 8·T)
        w, h = self.label_size
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)
        return torch.sigmoid(x)  # (B, 1, H, W) in [0, 1], like the label


class PaperDecoder(nn.Module):
    """The decoder of the paper's own code (`LPRNetWithAux.aux_head`): three transposed convs with
    ReLU between them and a 1×1 projection, no BatchNorm and no sigmoid. From the (4, 18) context
    of a 94×24 crop the three layers give (6, 23), (12, 46) and (24, 94): the label's own size."""

    def __init__(self, in_channels: int, label_size: tuple[int, int]) -> None:
        super().__init__()
        self.label_size = label_size  # (W, H)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(in_channels, 256, (2, 8), stride=(2, 1), padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(256, 128, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(128, 64, (4, 6), stride=2, padding=1),
            nn.ReLU(),
        )
        self.project = nn.Conv2d(64, 1, kernel_size=1)

    def forward(self, context: torch.Tensor) -> torch.Tensor:
        x = self.project(self.up(context))  # (B, 1, 24, 94) from a 94×24 crop's context
        w, h = self.label_size
        if x.shape[-2:] != (h, w):  # other input or label sizes: meet the label
            x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)
        return x


def build_decoder(lprnet: LPRNet, label_size: tuple[int, int]) -> nn.Module:
    """The auxiliary decoder for `lprnet`, reading its context map, drawing a `label_size` (W, H) label.
    The one place a decoder is built (training, resuming, the label preview)."""
    if lprnet.config.decoder == "paper":
        return PaperDecoder(lprnet.context_channels, tuple(label_size))
    return UpsamplingDecoder(lprnet.context_channels, tuple(label_size), lprnet.config.decoder_channels)


class TrainingModel(nn.Module):
    """LPRNet with (optionally) the decoder attached: what `fit` trains and checkpoints.

    `forward(x, mode)` computes only the head(s) the step's loss uses ("ctc", "mse" or "joint"), so
    DDP waits only for gradients that will come. Returns (logits (B, classes, T) | None,
    predicted image label (B, 1, h, w) | None)."""

    def __init__(self, config: ModelConfig, label_size: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.lprnet = LPRNet(config)
        self.decoder = build_decoder(self.lprnet, label_size) if label_size is not None else None

    def forward(
        self, x: torch.Tensor, mode: str = "joint"
    ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        context = self.lprnet.features(x)  # (B, context_channels, 4, T)
        logits = self.lprnet.head(context) if mode in ("ctc", "joint") else None
        label = self.decoder(context) if mode in ("mse", "joint") and self.decoder is not None else None
        return logits, label


def time_steps(config: ModelConfig) -> int:
    """Number of CTC time steps for the configured input size (18 for 94×24)."""
    w, h = config.input_size
    with torch.no_grad():
        return LPRNet(config).eval()(torch.zeros(1, 3, h, w)).shape[-1]


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
