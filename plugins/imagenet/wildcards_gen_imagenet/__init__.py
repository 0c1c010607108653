"""wildcards-gen plugin: the ImageNet / WordNet 3.0 noun hierarchy as a dataset."""
