"""Writes the model bundle the page opens (core/src/bundle/): safetensors tensors with the data
set's own ids, and the metadata as JSON text."""

import json

import numpy as np
from safetensors.numpy import save_file

FORMAT = "filmspace-model"
VERSION = "1"


def write(path, item_ids, item_factors, item_counts, user_ids, user_factors, model, label, settings, metrics, split, dataset):
    """`item_counts`: each film's ratings in the whole data set, its popularity for a page that
    holds the film list without the ratings."""
    tensors = {
        "item_ids": np.ascontiguousarray(item_ids, dtype=np.int64),
        "item_counts": np.ascontiguousarray(item_counts, dtype=np.int64),
        "item_factors": np.ascontiguousarray(item_factors, dtype=np.float32),
        "user_ids": np.ascontiguousarray(user_ids, dtype=np.int64),
        "user_factors": np.ascontiguousarray(user_factors, dtype=np.float32),
    }
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "model": model,
        "label": label,
        "settings": json.dumps(settings),
        "metrics": json.dumps({k: metrics.get(k) for k in ["rmse", "mae", "p10", "r10", "ndcg10", "hr10"]}),
        "split": split,
        "dataset": json.dumps(dataset),
    }
    save_file(tensors, path, metadata=metadata)
