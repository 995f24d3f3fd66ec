"""The latent priors, one file each, every one an ``lpbench.Prior``: fitted ex post on any trained
model's codes (the prior axis), and the same classes the autoencoders use inside their own runs
(glf's flow, two_stage_vae's second stage; rae_gmm is rae with the gmm prior).

normal.py, gmm.py, kde.py, flow.py (its network: latent_flow.py), two_stage.py, code_gan.py.
Registering them must keep ``lpbench list`` instant, so no prior module imports torch at module
level; latent_flow.py does, and is imported from inside methods.
"""
