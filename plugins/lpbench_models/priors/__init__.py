"""Latent priors fitted to an autoencoder's codes, reusable by any autoencoder.

Each prior has the same shape: ``fit(codes, ..., seed or generator)``, ``sample(n, generator)``,
``log_prob(z)`` where it is defined, and ``state_dict()``/``load_state_dict()`` holding tensors
and numbers only (so checkpoints load with ``weights_only=True``).

- ``gmm.GMMPrior``: full-covariance Gaussian mixture (scikit-learn), as in RAE+GMM.
- ``flow.FlowPrior``: the GLF latent flow (affine couplings + fixed permutations); trained jointly
  inside glf / glf_regularized / vae_flow_prior, or fitted ex post with ``fit``.
- ``two_stage.SecondStageVAE``: Dai & Wipf's second VAE on the codes.

Modules here import torch at top level; import them from inside methods.
"""
