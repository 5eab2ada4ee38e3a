"""The paper's grounded-QA pipeline (Algorithm 1 + selection), one module per stage; the order is in ``pipeline``."""
