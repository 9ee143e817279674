"""The machine-learning and data helpers the components are built from.

Learners and trained models, tasks, metrics and evaluation, feature encoding, fitted
transformations (`transforms/`), and data helpers (type conversions, parsing, statistics,
text). Importing this package imports none of them: `components.ml.tasks` stays light enough
for the store.
"""
