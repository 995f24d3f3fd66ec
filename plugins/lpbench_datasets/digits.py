"""scikit-learn's bundled 8×8 handwritten digits: a real image dataset that needs no download."""

from __future__ import annotations

from lpbench import DataError, Dataset, DataSplit


class Digits(Dataset):
    name = "digits"
    description = "scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes), stratified split."
    kind = "image"
    shape = (1, 8, 8)
    num_classes = 10
    # The split is fixed by split_seed, not by the run seed: every run of a benchmark must be
    # trained and evaluated on the same images, or seeds would differ in data as well as in model.
    defaults = {"test_fraction": 0.2, "split_seed": 0}

    def __init__(self, settings: dict | None = None, data_root=None):
        super().__init__(settings, data_root)
        frac = self.settings["test_fraction"]
        if not isinstance(frac, (int, float)) or isinstance(frac, bool) or not 0 < frac < 1:
            raise DataError(f"{self.name}: setting 'test_fraction' must be a number in (0, 1), got {frac!r}")
        if not isinstance(self.settings["split_seed"], int) or isinstance(self.settings["split_seed"], bool):
            raise DataError(
                f"{self.name}: setting 'split_seed' must be an integer, got {self.settings['split_seed']!r}"
            )

    def arrays(self):
        """(images uint8 [N, 1, H, W] in 0..255, labels int64 [N]): the whole labelled set."""
        import numpy as np
        from sklearn.datasets import load_digits

        digits = load_digits()
        # Pixel values are integer counts 0..16; map them onto the 0..255 range every image
        # dataset here shares, so models and feature extractors see one convention.
        return np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)[:, None, :, :], digits.target.astype(np.int64)

    def order(self, idx):
        """The split's items in the file's order: which images go where is all that is random."""
        import numpy as np

        return np.sort(idx)

    def load(self, split: str, seed: int = 0) -> DataSplit:
        import numpy as np
        import torch
        from sklearn.model_selection import train_test_split

        if split not in ("train", "test"):
            raise ValueError(f"{self.name} has splits 'train' and 'test', not {split!r}")
        images, labels = self.arrays()
        train_idx, test_idx = train_test_split(
            np.arange(len(labels)),
            test_size=float(self.settings["test_fraction"]),
            random_state=int(self.settings["split_seed"]),
            stratify=labels,
        )
        idx = self.order(train_idx if split == "train" else test_idx)
        return DataSplit(
            torch.from_numpy(images[idx]),
            torch.from_numpy(labels[idx]),
            kind=self.kind,
            dataset=self.name,
            split=split,
        )
