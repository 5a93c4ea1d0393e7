"""relief_ner: structured assistance records from Chinese poverty-alleviation reporting.

>>> import relief_ner
>>> nlp = relief_ner.load()
>>> doc = nlp("浙江鸿基石化股份有限公司投资330万元为阿尔马之村修建幼儿园1所。")
>>> [r.to_dict()["money"][0]["value"] for r in doc._.records]
[3300000.0]
"""

from .extensions import AssistanceRecord, Relation, register_extensions
from .quantity import Quantity, QuantityError, parse_quantity

register_extensions()

from . import pipeline  # noqa: E402,F401  (registers the factories)
from .loading import load  # noqa: E402

__version__ = "0.1.0"
__all__ = ["load", "parse_quantity", "Quantity", "QuantityError", "AssistanceRecord", "Relation", "__version__"]
