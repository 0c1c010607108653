"""wildcards-gen plugin: COCO 2017's object categories and COCO-Stuff's stuff classes, mapped to WordNet."""

__version__ = "0.1.0"
