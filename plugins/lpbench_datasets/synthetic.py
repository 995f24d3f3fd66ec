"""Synthetic 2-D mixtures drawn from the run's seed."""

from __future__ import annotations

import math

from lpbench import DataError, Dataset, DataSplit

# Mixed into every seed so the data streams never coincide with other torch generators seeded
# from the same run seed (models, metrics), which would correlate "random" noise with the data.
_STREAM_TAG = 0x8A55
_SPLIT_STREAMS = {"train": 0, "test": 1}


class EightGaussians(Dataset):
    name = "eight_gaussians"
    description = "Mixture of 8 isotropic Gaussians (std 0.02) evenly spaced on a circle of radius 2."
    kind = "points"
    shape = (2,)
    num_classes = 8
    seeded = True
    defaults = {"n_train": 20000, "n_test": 5000, "modes": 8, "radius": 2.0, "std": 0.02}

    def __init__(self, settings: dict | None = None, data_root=None):
        super().__init__(settings, data_root)
        s = self.settings
        for key in ("n_train", "n_test", "modes"):
            if not isinstance(s[key], int) or isinstance(s[key], bool) or s[key] < 1:
                raise DataError(f"{self.name}: setting '{key}' must be a positive integer, got {s[key]!r}")
        for key in ("radius", "std"):
            if not isinstance(s[key], (int, float)) or isinstance(s[key], bool) or s[key] < 0:
                raise DataError(f"{self.name}: setting '{key}' must be a non-negative number, got {s[key]!r}")

    @property
    def std(self) -> float:
        """Standard deviation of every mode (metrics: a sample is high quality within 3·std)."""
        return float(self.settings["std"])

    def centers(self):
        """Mode centers, float32 [modes, 2], at angles 2πk/modes for k = 0..modes-1.

        Not ``linspace(0, 2π, modes)``: that includes the endpoint 2π, which lands on angle 0
        again and leaves only modes-1 distinct centers.
        """
        import torch

        m, r = self.settings["modes"], float(self.settings["radius"])
        angles = [2.0 * math.pi * k / m for k in range(m)]
        return torch.tensor([[r * math.cos(a), r * math.sin(a)] for a in angles], dtype=torch.float32)

    def generator(self, split: str, seed: int):
        """The torch.Generator the split is drawn from: one independent stream per (seed, split)."""
        import numpy as np
        import torch

        # SeedSequence hashes its entropy, so (seed, train) and (seed, test) give unrelated
        # streams; a plain seed + offset would make seed s's test set equal seed s+1's train set.
        entropy = [int(seed) & 0xFFFFFFFFFFFFFFFF, _SPLIT_STREAMS[split], _STREAM_TAG]
        state = np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0]
        return torch.Generator().manual_seed(int(state) & 0x7FFFFFFFFFFFFFFF)

    def load(self, split: str, seed: int = 0) -> DataSplit:
        import torch

        if split not in _SPLIT_STREAMS:
            raise ValueError(f"{self.name} has splits 'train' and 'test', not {split!r}")
        n = self.settings["n_train" if split == "train" else "n_test"]
        g = self.generator(split, seed)
        y = torch.randint(self.settings["modes"], (n,), generator=g, dtype=torch.int64)
        noise = torch.randn(n, 2, generator=g, dtype=torch.float32)
        x = self.centers()[y] + self.std * noise
        return DataSplit(x, y, kind=self.kind, dataset=self.name, split=split)
