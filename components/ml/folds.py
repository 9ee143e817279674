"""The fold column: Assign to Folds (Partition and Sample) writes it, Cross Validate reads it."""

FOLD_COLUMN = "Fold"
