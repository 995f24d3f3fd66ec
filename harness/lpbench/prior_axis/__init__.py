"""The prior as its own axis: any trained model × any latent prior.

After a model's run has completed (trained once; a completed run is reused, never retrained):

1. codes (codes.py) — the training and held-out splits' codes, by the encoder or by generator
   reversal, computed once per model run and saved to ``<run>/priors/codes.pt``;
2. the decoder's ceiling (ceiling.py) — the dataset's metrics on reconstructions of the held-out
   split, written into the model's own ``run.json`` with the gap of its native samples;
3. per prior (prior_run.py) — fitted once on the training codes, sampled, decoded and scored into
   ``<run>/priors/<prior>/run.json``.

specs.py turns ``--models``/``--priors`` into what to run, model_run.py loads a model run once
for all three steps, and driver.py runs them under the model run's lock. The leaderboard reads
both kinds of run.json: the model's own is the row with prior "native".
"""

from .ceiling import gaps, headlines
from .driver import run_priors
from .specs import CODES_FILE, NATIVE, PRIOR_FILE, PRIORS_DIR, PriorSpec, expand, prior_dir

__all__ = [
    "CODES_FILE",
    "NATIVE",
    "PRIOR_FILE",
    "PRIORS_DIR",
    "PriorSpec",
    "expand",
    "gaps",
    "headlines",
    "prior_dir",
    "run_priors",
]
