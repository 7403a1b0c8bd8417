"""The style transfer network on frames too large for one pass: layer by layer, in strips.

An untiled pass over a W x H frame holds several full-size feature maps at
once (the largest, 16 channels upsampled to full size, is 64 bytes per pixel
in float32): about 130 bytes per pixel, 4 GB for one 8K frame. Here each
layer runs over horizontal strips of its output with the halo its kernel
needs, reading a stored input map and writing a stored output map, so only
one layer's input and output are ever whole (at most ~50 bytes per pixel)
and the strip temporaries are bounded by ``strip_bytes``.

Instance norms are what make naive tiling fail: statistics taken per tile
give every tile its own colour cast, visible as steps at tile edges. Here a
norm waits for its whole input map, takes each channel's mean and variance
over the *whole frame* (the same biased, two-pass statistics as
``ConditionalInstanceNorm2d``, accumulated in float64), and only then
normalises strip by strip. Reflect padding is applied at the frame's true
borders only; inside, strips read their real neighbours. The result equals
the untiled network up to float rounding: 1e-4 in float32 (tests); on a 1080p
frame in bf16 autocast, where the two orders of operations round differently, 0.22
levels on average, 4 at most (bench/bench_tiling.py, docs/images/tiling_difference_1080p.jpg).
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from artify_core.models.arbitrary.networks import (
    SIZE_MULTIPLE,
    ConditionalInstanceNorm2d,
    StyleTransferNetwork,
    _reflect_nearest_index,
)

# Bytes of strip temporaries (gathered input rows and conv output) per layer and strip.
DEFAULT_STRIP_BYTES = 96 * 2**20
# Peak bytes per pixel of the layer-by-layer pass (float32 maps), measured with tracemalloc-free RSS
# sampling at 1080p and 4K: see bench/bench_memory.py.
TILED_BYTES_PER_PIXEL = 56

RowIndex = Callable[[int, int], Tensor]


@torch.inference_mode()
def stylize_tiled(network: StyleTransferNetwork, content: Tensor, embedding: Tensor, *,
                  strip_bytes: int = DEFAULT_STRIP_BYTES, trunk: Callable[[Tensor], Tensor] | None = None) -> Tensor:
    """``network(content, embedding)`` computed layer by layer over strips.

    Args:
        network: the style transfer network (its modules' weights are used as they are).
        content: float in [0, 1], (N, 3, H, W); frames are processed one at a time.
        embedding: float, (N, D) or (1, D).
        strip_bytes: bound on each layer's strip temporaries.
        trunk: applied to the residual trunk's output, as in the untiled network (frame by frame).

    Returns:
        float in [0, 1], (N, 3, H, W), as the untiled network.
    """
    outputs = []
    for index in range(content.shape[0]):
        frame = content[index:index + 1].contiguous()
        style = embedding[index:index + 1] if embedding.shape[0] > 1 else embedding
        outputs.append(_one_frame(network, frame, style, strip_bytes, trunk))
    return torch.cat(outputs)


def _one_frame(network: StyleTransferNetwork, content: Tensor, embedding: Tensor, strip_bytes: int,
               trunk: Callable[[Tensor], Tensor] | None) -> Tensor:
    height, width = content.shape[-2:]
    x = F.pad(content, (0, -width % SIZE_MULTIPLE, 0, -height % SIZE_MULTIPLE), mode="reflect")
    for conv in network.contract.values():
        x = _conv(x, conv, strip_bytes)
        x.relu_()
    for block in network.residual:
        hidden = _conv(x, block.conv1, strip_bytes)
        _norm_(hidden, block.norm1, embedding, strip_bytes)
        hidden.relu_()
        out = _conv(hidden, block.conv2, strip_bytes)
        del hidden
        _norm_(out, block.norm2, embedding, strip_bytes)
        x = out.add_(x)
    if trunk is not None:
        x = trunk(x)
    for k, block in enumerate(network.expand):
        x = _upsample_conv(x, block, strip_bytes)
        _norm_(x, block.norm, embedding, strip_bytes)
        x = x.relu_() if k < 2 else x.sigmoid_()
    return x[:, :, :height, :width]


def _conv(x: Tensor, conv: torch.nn.Conv2d, strip_bytes: int) -> Tensor:
    """A reflect-padded conv (padding k // 2, any stride) over strips of output rows."""
    pad, stride = conv.padding[0], conv.stride[0]
    in_rows = x.shape[-2]

    def rows_for(first: int, last: int) -> Tensor:
        wanted = torch.arange(first * stride - pad, (last - 1) * stride - pad + conv.kernel_size[0], device=x.device)
        return _reflect(wanted, in_rows)

    def strip(first: int, last: int) -> Tensor:
        rows = x.index_select(2, rows_for(first, last))
        rows = F.pad(rows, (pad, pad, 0, 0), mode="reflect") if pad else rows
        return F.conv2d(rows, conv.weight, conv.bias, stride)

    out_rows = (in_rows + 2 * pad - conv.kernel_size[0]) // stride + 1
    out_cols = (x.shape[-1] + 2 * pad - conv.kernel_size[1]) // stride + 1
    return _by_strips(strip, x, conv.out_channels, out_rows, out_cols, stride, strip_bytes)


def _upsample_conv(x: Tensor, block: torch.nn.Module, strip_bytes: int) -> Tensor:
    """``block.conv(upsample_reflect_pad(x))`` over strips: the gather builds only the strip's rows."""
    conv, factor = block.conv, block.factor
    pad = conv.kernel_size[0] // 2
    row_index = _reflect_nearest_index(x.shape[-2], factor, pad, x.device)
    col_index = _reflect_nearest_index(x.shape[-1], factor, pad, x.device)

    def strip(first: int, last: int) -> Tensor:
        rows = row_index[first:last + conv.kernel_size[0] - 1]
        return F.conv2d(x[:, :, rows[:, None], col_index[None, :]], conv.weight, conv.bias)

    out_rows, out_cols = x.shape[-2] * factor, x.shape[-1] * factor
    return _by_strips(strip, x, conv.out_channels, out_rows, out_cols, 1.0 / factor, strip_bytes)


def _by_strips(strip: Callable[[int, int], Tensor], x: Tensor, channels: int, rows: int, cols: int,
               stride: float, strip_bytes: int) -> Tensor:
    """Fills an (1, channels, rows, cols) map strip by strip; a strip's temporaries stay under ``strip_bytes``."""
    bytes_per_row = (x.shape[1] * x.shape[-1] * stride + channels * cols) * x.element_size()
    step = max(1, int(strip_bytes // max(1.0, bytes_per_row)))
    out = None
    for first in range(0, rows, step):
        last = min(rows, first + step)
        part = strip(first, last)
        if out is None:
            out = torch.empty((1, channels, rows, cols), dtype=part.dtype, device=x.device)
        out[:, :, first:last] = part
    return out


def _norm_(x: Tensor, norm: ConditionalInstanceNorm2d, embedding: Tensor, strip_bytes: int) -> None:
    """Conditional instance norm in place, with statistics of the whole map (not of a strip)."""
    channels, rows, cols = x.shape[1:]
    step = max(1, int(strip_bytes // max(1, channels * cols * 8)))
    total = torch.zeros(channels, dtype=torch.float64, device=x.device)
    for first in range(0, rows, step):
        total += x[0, :, first:first + step].double().sum(dim=(1, 2))
    mean = total / (rows * cols)
    squares = torch.zeros(channels, dtype=torch.float64, device=x.device)
    for first in range(0, rows, step):
        centred = x[0, :, first:first + step].double() - mean[:, None, None]
        squares += (centred * centred).sum(dim=(1, 2))
    variance = squares / (rows * cols)
    with torch.autocast(x.device.type, enabled=False):
        gamma = norm.gamma(embedding.float())[0].double()
        beta = norm.beta(embedding.float())[0].double()
    scale = (gamma * torch.rsqrt(variance + norm.eps)).to(torch.float32)
    shift = (beta - mean * gamma * torch.rsqrt(variance + norm.eps)).to(torch.float32)
    for first in range(0, rows, step):
        part = x[0, :, first:first + step]
        part.copy_((part.float() * scale[:, None, None] + shift[:, None, None]).to(x.dtype))


def _reflect(index: Tensor, size: int) -> Tensor:
    """Reflect padding's indices ('reflect': the edge is not repeated): -1 → 1, size → size - 2."""
    index = index.abs()
    return torch.where(index > size - 1, 2 * (size - 1) - index, index)
