"""Do two backbone tokenizers cut the training and dev documents into the same pieces?
(research/README.md, "Tokenisation, vocabulary, transfer data": the pruned and the full
vocabulary do, so their runs differ only by floating-point summation order.)

    python research/scripts/same_pieces.py training/backbone/e5-small-cjkchar-pruned-6l training/backbone/e5-small-cjkchar-6l
"""

from __future__ import annotations

import sys

import spacy
from spacy.tokens import DocBin
from transformers import AutoTokenizer
from transformers.utils import logging


def main(a: str, b: str, *corpora: str) -> None:
    logging.set_verbosity_error()  # long documents exceed model_max_length; irrelevant here
    tok_a, tok_b = AutoTokenizer.from_pretrained(a), AutoTokenizer.from_pretrained(b)
    vocab = spacy.blank("zh").vocab
    same = total = 0
    for path in corpora or ("corpus/train.spacy", "corpus/dev.spacy"):
        for doc in DocBin().from_disk(path).get_docs(vocab):
            pieces = [t.convert_ids_to_tokens(t(doc.text)["input_ids"]) for t in (tok_a, tok_b)]
            total += 1
            same += pieces[0] == pieces[1]
    print(f"{same} of {total} documents get identical pieces")


if __name__ == "__main__":
    main(*sys.argv[1:])
