"""`relief.Adam.v1`: Adam with a smaller rate for the pretrained encoder than for the
freshly initialised heads (discriminative fine-tuning).

One rate for everything forces a compromise: a rate that lets spaCy's NER head learn
within a few hundred CPU steps (2e-4) is four to ten times the usual rate for fine-tuning a
BERT encoder, and runs at that rate have loss spikes and diverge for some seeds
(docs/MODEL.md). Here the heads get `learn_rate` and the encoder `learn_rate ×
encoder_scale`.
"""

from __future__ import annotations

from typing import Tuple

from spacy.util import registry
from thinc.api import Optimizer
from thinc.types import FloatsXd


class EncoderScaledAdam(Optimizer):
    encoder_scale: float = 1.0

    def __call__(self, key: Tuple[int, str], weights: FloatsXd, gradient: FloatsXd, *,
                 lr_scale: float = 1.0):
        if is_encoder_key(key):
            lr_scale *= self.encoder_scale
        return super().__call__(key, weights, gradient, lr_scale=lr_scale)


def is_encoder_key(key: Tuple[int, str]) -> bool:
    """PyTorch parameters reach thinc's optimiser under their module path
    (`encoder.layer.0.attention.self.query.weight`, via `PyTorchShim.finish_update`);
    thinc's own layers name theirs without dots (`W`, `b`, `E`)."""
    return "." in key[1]


@registry.optimizers("relief.Adam.v1")
def make_adam(learn_rate=0.001, *, encoder_scale: float = 0.1, L2=0.01, beta1=0.9,
              beta2=0.999, eps=1e-8, grad_clip=1.0, L2_is_weight_decay: bool = True,
              use_averages: bool = False) -> Optimizer:
    if not 0 < encoder_scale <= 1:
        raise ValueError(f"encoder_scale must be in (0, 1], got {encoder_scale}")
    optimizer = EncoderScaledAdam(learn_rate, L2=L2, beta1=beta1, beta2=beta2, eps=eps,
                                  grad_clip=grad_clip, L2_is_weight_decay=L2_is_weight_decay,
                                  use_averages=use_averages, use_radam=False)
    optimizer.encoder_scale = encoder_scale
    return optimizer
