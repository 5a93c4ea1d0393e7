import pytest

import relief_ner


@pytest.fixture(scope="session")
def rules_nlp():
    return relief_ner.load("rules")


@pytest.fixture(scope="session")
def blank_nlp():
    import spacy

    return spacy.blank("zh")
