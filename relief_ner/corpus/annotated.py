"""`relief.AnnotatedCorpus.v1`: a training corpus annotated once by frozen components.

A component trained on top of a frozen transformer (stage 2 of the shipped model) reads the
transformer's output from the docs. spaCy's usual way, `annotating_components`, runs the
frozen transformer forward again on every batch of every epoch, which on a CPU costs far more
than the training itself. This reader runs the named frozen components over the training
documents once, keeps the annotated examples in memory and hands out the same examples in
every epoch (the training loop shuffles them). Use it only for components that are frozen:
their output never changes during training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Sequence

from spacy.language import Language
from spacy.training import Corpus, Example
from spacy.util import registry


@registry.readers("relief.AnnotatedCorpus.v1")
def create_annotated_corpus(path: Optional[Path], annotate_with: Sequence[str], gold_preproc: bool = False,
                            max_length: int = 0, limit: int = 0, batch_size: int = 16
                            ) -> Callable[[Language], Iterable[Example]]:
    """A `spacy.Corpus.v1` whose predicted docs have been run through the frozen components
    `annotate_with` (e.g. `["transformer"]`) of the pipeline being trained, once.

    path (Path): the .spacy file or folder.
    annotate_with (Sequence[str]): frozen components to run, in pipeline order.
    gold_preproc, max_length, limit: as in `spacy.Corpus.v1`.
    batch_size (int): documents per batch while annotating.
    """
    return AnnotatedCorpus(Corpus(path, gold_preproc=gold_preproc, max_length=max_length, limit=limit),
                           list(annotate_with), batch_size)


class AnnotatedCorpus:
    def __init__(self, corpus: Corpus, annotate_with: List[str], batch_size: int) -> None:
        self.corpus = corpus
        self.annotate_with = annotate_with
        self.batch_size = batch_size
        self._examples: Optional[List[Example]] = None

    def __call__(self, nlp: Language) -> Iterator[Example]:
        if self._examples is None:
            # frozen components are disabled while the pipeline initialises: look among all
            missing = [name for name in self.annotate_with if name not in nlp.component_names]
            if missing:
                raise ValueError(f"relief.AnnotatedCorpus.v1: the pipeline has no {', '.join(missing)} "
                                 f"(components: {', '.join(nlp.component_names)})")
            examples = list(self.corpus(nlp))
            for name in self.annotate_with:
                proc = nlp.get_pipe(name)
                docs = (eg.predicted for eg in examples)
                if hasattr(proc, "pipe"):
                    done = proc.pipe(docs, batch_size=self.batch_size)
                else:
                    done = (proc(doc) for doc in docs)
                for eg, doc in zip(examples, done):
                    eg.predicted = doc
            self._examples = examples
        yield from self._examples
