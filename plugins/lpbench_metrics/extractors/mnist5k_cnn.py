"""``mnist5k_cnn``: the digits_cnn classifier trained on mnist5k's train split (its own packaged
weights, lpbench_metrics/weights/mnist5k_cnn.pt)."""

from .digits_cnn import DigitsCNNFeatures


class MNIST5kCNNFeatures(DigitsCNNFeatures):
    name = "mnist5k_cnn"
    description = (
        "Small CNN classifier trained by lpbench on mnist5k's train split (lpbench train-evaluator); "
        "64-d penultimate features for FID/KID/PRD/EMD, 10 logits for IS; offline"
    )
    dataset = "mnist5k"
