"""The identity feature extractor: samples flattened (2-D points are their own features)."""

from lpbench import FeatureExtractor


class RawFeatures(FeatureExtractor):
    name = "raw"
    description = "Samples themselves, flattened to vectors (for 2-D data and pixel-space baselines)"
    kinds = ("image", "points")

    def weights_id(self):
        return "identity-v1"

    def extract(self, x, device="cpu"):
        return {"features": x.reshape(len(x), -1).double().cpu().numpy()}
