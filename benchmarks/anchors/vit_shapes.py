"""CLIP ViT-B/16 image-tower parameter shapes in OpenAI key names (86,192,640 float32 values), and seeded
random checkpoints of that shape; mirrors benchmarks/Ham.Benchmarks/Synthetic/VitB16ImageTower.cs."""

from collections import OrderedDict

import torch

WIDTH, LAYERS, PATCH, GRID, EMBED = 768, 12, 16, 14, 512


def shapes():
    result = OrderedDict()
    result["visual.class_embedding"] = (WIDTH,)
    result["visual.positional_embedding"] = (GRID * GRID + 1, WIDTH)
    result["visual.proj"] = (WIDTH, EMBED)
    result["visual.conv1.weight"] = (WIDTH, 3, PATCH, PATCH)
    result["visual.ln_pre.weight"] = (WIDTH,)
    result["visual.ln_pre.bias"] = (WIDTH,)
    for i in range(LAYERS):
        p = f"visual.transformer.resblocks.{i}."
        result[p + "attn.in_proj_weight"] = (3 * WIDTH, WIDTH)
        result[p + "attn.in_proj_bias"] = (3 * WIDTH,)
        result[p + "attn.out_proj.weight"] = (WIDTH, WIDTH)
        result[p + "attn.out_proj.bias"] = (WIDTH,)
        result[p + "ln_1.weight"] = (WIDTH,)
        result[p + "ln_1.bias"] = (WIDTH,)
        result[p + "mlp.c_fc.weight"] = (4 * WIDTH, WIDTH)
        result[p + "mlp.c_fc.bias"] = (4 * WIDTH,)
        result[p + "mlp.c_proj.weight"] = (WIDTH, 4 * WIDTH)
        result[p + "mlp.c_proj.bias"] = (WIDTH,)
        result[p + "ln_2.weight"] = (WIDTH,)
        result[p + "ln_2.bias"] = (WIDTH,)
    result["visual.ln_post.weight"] = (WIDTH,)
    result["visual.ln_post.bias"] = (WIDTH,)
    return result


def parameter_count() -> int:
    total = 0
    for shape in shapes().values():
        count = 1
        for dim in shape:
            count *= dim
        total += count
    return total


def checkpoint(seed: int, base=None, scale: float = 0.02):
    """Seed 0 is the pretrained model (N(0, 0.02²)); seeds 1..K are fine-tuned ones, base + N(0, 0.001²)."""
    generator = torch.Generator().manual_seed(seed)
    state = OrderedDict()
    for name, shape in shapes().items():
        noise = torch.randn(shape, generator=generator) * scale
        state[name] = noise if base is None else base[name] + noise
    return state
