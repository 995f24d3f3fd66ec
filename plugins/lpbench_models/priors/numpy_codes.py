"""Between torch and the numpy libraries (scikit-learn, scipy) that fit the gmm and kde priors."""


def as_float64(z):
    """Codes as a float64 numpy array (a torch tensor, on any device, or anything array-like)."""
    import numpy as np

    return np.asarray(z.detach().cpu().double().numpy() if hasattr(z, "detach") else z, dtype=np.float64)


def seed_from(generator) -> int:
    """An integer seed for numpy/scikit-learn drawn from the torch generator the caller passed,
    so a prior's samples are determined by that generator alone."""
    import torch

    return int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
