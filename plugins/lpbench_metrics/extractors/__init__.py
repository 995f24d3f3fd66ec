"""The built-in image feature extractors, one file each: inception.py (``inception-v3-compat``),
digits_cnn.py and mnist5k_cnn.py (lpbench's offline classifiers; their network is
classifier_net.py, their weights lpbench_metrics/weights/). base.py is what they share, the
bridge to torch-fidelity; the 2-D identity extractor is raw.py beside the metrics.

Registering them must keep ``lpbench list`` instant: classifier_net.py and feature_pass.py import
torch and are imported from inside methods only.
"""
