"""The torch side of a feature pass: uint8 images through a torch-fidelity extractor, every layer
at once, with torch-fidelity's own batching loop. Imported only from inside methods (imports torch)."""

from __future__ import annotations

import torch


class _Uint8Images(torch.utils.data.Dataset):
    """What torch-fidelity reads: a Dataset of bare uint8 [C, H, W] tensors."""

    def __init__(self, x):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i]


def extract(fe, x_uint8, device: str, batch_size: int) -> dict:
    """Every feature layer of ``fe`` in one pass, through torch-fidelity's own batching loop."""
    from torch_fidelity.utils import get_featuresdict_from_dataset

    cuda = str(device).startswith("cuda")
    # save_cpu_ram: no DataLoader worker processes (the images are already in memory).
    out = get_featuresdict_from_dataset(_Uint8Images(x_uint8), fe, batch_size, cuda, True, False)
    return {k: v.numpy() for k, v in out.items()}
