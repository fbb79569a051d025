"""PyTorch anchors for training and inference throughput: ResNet-18 (torchvision, 7 classes) at 128 px batch 32
and CLIP's ViT-B/16 image tower (defined here after CLIP's model.py math) at 224 px batch 8, random weights.
Train = forward + cross-entropy backward + Adam step; eval = forward under no_grad in eval mode.
Usage: training.py resnet18|resnet18_2223|vit_b16 [steps]."""

import sys
import time

import torch
from torch import nn

from common import emit, log, peak_resident_bytes, set_threads


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        x = x + self.mlp(self.ln_2(x))
        return x


class VisionTransformer(nn.Module):
    """CLIP's image tower: patch conv, class token, positions, pre-LN transformer, ln_post, projection."""

    def __init__(self, resolution=224, patch=16, width=768, layers=12, heads=12, embed=512):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * width ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn((resolution // patch) ** 2 + 1, width) * width ** -0.5)
        self.ln_pre = nn.LayerNorm(width)
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, embed) * width ** -0.5)

    def forward(self, x):
        x = self.conv1(x)  # [B, D, g, g]
        x = x.flatten(2).permute(0, 2, 1)  # [B, L-1, D]
        cls = self.class_embedding.expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding  # [B, L, D]
        x = self.ln_pre(x)

        x = self.resblocks(x.permute(1, 0, 2)).permute(1, 0, 2)  # [L, B, D] through the blocks

        x = self.ln_post(x[:, 0, :]) @ self.proj  # [B, E]
        return x


def build(name):
    if name == "resnet18":
        try:
            import torchvision
        except ImportError:
            sys.exit("torchvision is not installed (apt-get install python3-torchvision)")
        return torchvision.models.resnet18(num_classes=7), 128, 32, 7
    if name == "resnet18_2223":  # the blocks of the ONNX ResNet-18 that Ham's main job trains (layer4.2 extra)
        from torchvision.models.resnet import BasicBlock, ResNet
        return ResNet(BasicBlock, [2, 2, 2, 3], num_classes=7), 128, 32, 7
    if name == "vit_b16":
        return VisionTransformer(), 224, 8, 512
    sys.exit(f"unknown model '{name}', expected resnet18, resnet18_2223 or vit_b16")


def time_steps(step, steps):
    step()  # two warm-up steps, as on Ham's side: allocator, OpenBLAS threads
    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "resnet18"
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    threads = set_threads()
    torch.manual_seed(0)
    model, resolution, batch, outputs = build(name)
    images = torch.randn(batch, 3, resolution, resolution)
    labels = torch.randint(0, outputs, (batch,))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
    loss_function = nn.CrossEntropyLoss()

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(model(images), labels)
        loss.backward()
        optimizer.step()

    def eval_step():
        with torch.no_grad():
            model(images)

    model.eval()
    eval_seconds = time_steps(eval_step, steps)
    log(f"{name} eval {batch / eval_seconds:.2f} img/s")
    model.train()
    train_seconds = time_steps(train_step, steps)
    log(f"{name} train {batch / train_seconds:.2f} img/s")

    extra = dict(threads=threads, batch=batch, resolution=resolution, steps=steps, torch=torch.__version__,
                 peak_bytes=peak_resident_bytes())
    label = {"resnet18": "ResNet-18 128 px b32", "resnet18_2223": "ResNet-18 2-2-2-3 (ONNX) 128 px b32"}.get(
        name, "ViT-B/16 224 px b8")
    emit("training", f"{label} eval (PyTorch)", batch / eval_seconds, "img/s", seconds_per_step=eval_seconds, **extra)
    emit("training", f"{label} train (PyTorch)", batch / train_seconds, "img/s", seconds_per_step=train_seconds,
         **extra)


if __name__ == "__main__":
    main()
